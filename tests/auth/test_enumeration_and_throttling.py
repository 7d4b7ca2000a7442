"""No account enumeration; login, register and reset are throttled."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


def _same_page(a, b, *swap: tuple[str, str]) -> None:
    assert a.status_code == b.status_code
    body_a, body_b = a.get_data(as_text=True), b.get_data(as_text=True)
    for known, unknown in swap:
        body_a = body_a.replace(known, unknown)
    assert body_a == body_b


def test_login_answers_the_same_for_known_and_unknown_emails(app, make_user):
    make_user("known@example.com")
    known = app.test_client().post(
        "/login", data={"email": "known@example.com", "password": "wrong-password-1"}
    )
    unknown = app.test_client().post(
        "/login", data={"email": "unknown@example.com", "password": "wrong-password-1"}
    )
    _same_page(known, unknown, ("known@example.com", "unknown@example.com"))


def test_register_answers_the_same_for_known_and_unknown_emails(app, make_user):
    make_user("known@example.com")
    form = {"name": "N", "password": "easy-pace-long-run", "confirm": "easy-pace-long-run"}
    known = app.test_client().post("/register", data={**form, "email": "known@example.com"})
    unknown = app.test_client().post("/register", data={**form, "email": "unknown@example.com"})
    _same_page(known, unknown, ("known@example.com", "unknown@example.com"))


def test_reset_answers_the_same_for_known_and_unknown_emails(app, make_user):
    make_user("known@example.com")
    known = app.test_client().post("/reset-password", data={"email": "known@example.com"})
    unknown = app.test_client().post("/reset-password", data={"email": "unknown@example.com"})
    _same_page(known, unknown, ("known@example.com", "unknown@example.com"))


def test_the_101st_failed_login_for_one_account_within_the_hour_is_refused(app, make_user):
    """Spread over many IPs (so the per-IP limit never fires): the account limit does."""
    make_user("target@example.com")
    client = app.test_client()
    for attempt in range(100):
        response = client.post(
            "/login",
            data={"email": "target@example.com", "password": f"guess-number-{attempt}"},
            environ_base={"REMOTE_ADDR": f"10.0.{attempt // 250}.{attempt % 250 + 1}"},
        )
        assert response.status_code == 200, f"attempt {attempt + 1} was refused"
    refused = client.post(
        "/login",
        data={"email": "TARGET@example.com", "password": PASSWORD},  # even the right one
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert refused.status_code == 429
    assert "Please try again in" in refused.get_data(as_text=True)
    # Another account is not affected.
    make_user("other@example.com")
    other = client.post(
        "/login",
        data={"email": "other@example.com", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.10"},
    )
    assert other.status_code == 302


def test_successful_logins_do_not_count_against_the_account(app, make_user):
    make_user("often@example.com")
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "3 per hour"
    for n in range(5):
        client = app.test_client()
        response = client.post(
            "/login",
            data={"email": "often@example.com", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": f"10.1.0.{n + 1}"},
        )
        assert response.status_code == 302


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"email": "x@example.com", "password": "wrong-password-9"}),
        ("/register", {"name": "N", "email": "x@example.com", "password": "p", "confirm": "p"}),
        ("/reset-password", {"email": "x@example.com"}),
    ],
)
def test_forms_are_throttled_per_ip(app, path, data):
    app.config.update(
        LOGIN_LIMIT_PER_IP="3 per minute",
        REGISTER_LIMIT_PER_IP="3 per minute",
        RESET_LIMIT_PER_IP="3 per minute",
    )
    client = app.test_client()
    for n in range(3):
        # a different account each time, so only the per-IP limit can fire
        response = client.post(path, data={**data, "email": f"x{n}@example.com"})
        assert response.status_code == 200
    response = client.post(path, data={**data, "email": "x9@example.com"})
    assert response.status_code == 429
    assert client.get(path).status_code == 200  # reading the form is not limited
