"""Device cookies: strangers who exhaust an account's sign-in limit cannot lock its owner out
of a device they signed in from before (issue 8, item 2; OWASP "device cookies")."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.devices import COOKIE_NAME
from portal.extensions import db
from portal.models import OutboxMessage
from tests.conftest import PASSWORD, sign_in

LIMITS = {"LOGIN_FAILURES_PER_ACCOUNT": "3 per hour", "LOGIN_FAILURES_PER_DEVICE": "2 per hour"}
_addresses = iter(range(1, 60_000))


def _from_somewhere_else() -> dict[str, str]:
    """A new IP for each stranger's attempt, so only the account's limit can trip."""
    number = next(_addresses)
    return {"REMOTE_ADDR": f"10.{number // 62500}.{number // 250 % 250}.{number % 250 + 1}"}


def _attempt(client, email: str, password: str):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base=_from_somewhere_else()
    )


def _exhaust_anonymous_limit(app, email: str) -> None:
    stranger = app.test_client()
    for attempt in range(3):
        assert _attempt(stranger, email, f"guess-number-{attempt}").status_code == 200
    assert _attempt(stranger, email, PASSWORD).status_code == 429  # even the right password


def _known_device(app, email: str):
    """A browser that signed in to ``email`` once, then signed out."""
    device = app.test_client()
    assert sign_in(device, email).status_code == 302
    device.post("/logout")
    assert device.get_cookie(COOKIE_NAME, path="/login") is not None
    return device


def _lockout_emails(app, to: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        query = sa.select(OutboxMessage).where(OutboxMessage.template == "login_locked")
        if to:
            query = query.where(OutboxMessage.to_address == to)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(found)


@pytest.mark.config(**LIMITS)
def test_with_the_anonymous_limit_exhausted_a_known_device_still_signs_in(app, make_user):
    make_user("rosa@example.com")
    device = _known_device(app, "rosa@example.com")
    _exhaust_anonymous_limit(app, "rosa@example.com")

    assert _attempt(device, "rosa@example.com", PASSWORD).status_code == 302
    assert "Sign out" in device.get("/").get_data(as_text=True)


@pytest.mark.config(**LIMITS)
def test_wrong_passwords_from_a_known_device_meet_the_device_limit(app, make_user):
    make_user("rosa@example.com")
    device = _known_device(app, "rosa@example.com")
    _exhaust_anonymous_limit(app, "rosa@example.com")

    for attempt in range(2):
        assert _attempt(device, "rosa@example.com", f"wrong-{attempt}-pass").status_code == 200
    assert _attempt(device, "rosa@example.com", "wrong-again-pass").status_code == 429
    # That device is locked out now, even with the right password.
    assert _attempt(device, "rosa@example.com", PASSWORD).status_code == 429


@pytest.mark.config(LOGIN_FAILURES_PER_ACCOUNT="2 per hour", LOGIN_FAILURES_PER_DEVICE="3 per hour")
def test_a_known_devices_failures_do_not_count_against_the_account(app, make_user):
    make_user("rosa@example.com")
    device = _known_device(app, "rosa@example.com")
    for attempt in range(3):
        assert _attempt(device, "rosa@example.com", f"wrong-{attempt}-pass").status_code == 200
    assert _attempt(app.test_client(), "rosa@example.com", PASSWORD).status_code == 302


@pytest.mark.config(**LIMITS)
def test_a_forged_or_another_accounts_device_cookie_counts_as_anonymous(app, make_user):
    make_user("rosa@example.com")
    make_user("ben@example.com")
    rosas = _known_device(app, "rosa@example.com")
    value = rosas.get_cookie(COOKIE_NAME, path="/login").value
    _exhaust_anonymous_limit(app, "rosa@example.com")

    forged = app.test_client()
    tampered = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    forged.set_cookie(COOKIE_NAME, tampered, path="/login")
    assert _attempt(forged, "rosa@example.com", PASSWORD).status_code == 429

    unsigned = app.test_client()
    unsigned.set_cookie(COOKIE_NAME, '{"user": 1, "nonce": "x"}', path="/login")
    assert _attempt(unsigned, "rosa@example.com", PASSWORD).status_code == 429

    bens = _known_device(app, "ben@example.com")  # a real cookie, for another account
    assert _attempt(bens, "rosa@example.com", PASSWORD).status_code == 429

    assert _attempt(rosas, "rosa@example.com", PASSWORD).status_code == 302  # the real one


@pytest.mark.config(**LIMITS)
def test_the_owner_is_emailed_once_per_lockout(app, make_user, outbox):
    make_user("rosa@example.com", name="Rosa Runner")
    _exhaust_anonymous_limit(app, "rosa@example.com")
    stranger = app.test_client()
    for attempt in range(5):
        assert _attempt(stranger, "rosa@example.com", f"more-{attempt}-guesses").status_code == 429

    (notice,) = _lockout_emails(app)
    assert notice.to_address == "rosa@example.com"
    assert notice.category == "transactional"
    assert notice.idempotency_key.startswith("login-lockout:")
    assert notice.context["failures"] == 3 and notice.context["duration"] == "1 hour"
    assert notice.context["reset_link"].endswith("/reset-password")

    # No email for an address without an account (and no hint of which addresses have one).
    _exhaust_anonymous_limit(app, "nobody@example.com")
    assert len(_lockout_emails(app)) == 1


@pytest.mark.config(**LIMITS)
def test_resetting_the_password_makes_the_device_a_known_one(app, make_user, outbox):
    make_user("rosa@example.com")
    _exhaust_anonymous_limit(app, "rosa@example.com")
    laptop = app.test_client()  # never signed in here before
    laptop.post("/reset-password", data={"email": "rosa@example.com"})
    link = outbox.link("reset_password", "rosa@example.com")
    new_password = "a-brand-new-long-password"
    response = laptop.post(link, data={"password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert _attempt(laptop, "rosa@example.com", new_password).status_code == 302


def test_the_cookie_is_signed_http_only_lax_long_lived_and_only_for_the_login_page(app, make_user):
    make_user("rosa@example.com")
    response = sign_in(app.test_client(), "rosa@example.com")
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("device=")]
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "path", "max-age", "samesite"} <= attributes
    assert "Path=/login" in header and "SameSite=Lax" in header
    assert "Max-Age=31536000" in header
    assert "secure" not in attributes  # Secure follows SESSION_COOKIE_SECURE (production)
    assert "rosa" not in header  # it names the account by id, not by address


@pytest.mark.config(SESSION_COOKIE_SECURE=True)
def test_the_cookie_is_secure_where_sessions_are(app, make_user):
    make_user("rosa@example.com")
    response = sign_in(app.test_client(), "rosa@example.com")
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("device=")]
    assert "Secure" in header


def test_a_failed_sign_in_leaves_no_device_cookie(app, make_user):
    make_user("rosa@example.com")
    response = app.test_client().post(
        "/login", data={"email": "rosa@example.com", "password": "not-the-password"}
    )
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("device=")]
