"""Registration with email confirmation."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import OutboxMessage, User
from tests.conftest import PASSWORD, sign_in
from tests.fixtures.accounts import PRODUCTION_HASHING

GOOD = {
    "name": "Nina Reader",
    "email": "Nina@Example.com ",
    "password": "tempo-runs-on-tuesday",
    "confirm": "tempo-runs-on-tuesday",
}


def test_register_then_confirm_then_sign_in(client, outbox, get_user):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)

    user = get_user("nina@example.com")  # trimmed and lower-cased
    assert user is not None and user.email_confirmed_at is None

    # Not confirmed yet: the right password still does not sign in.
    refused = sign_in(client, "nina@example.com", GOOD["password"])
    assert "confirm your email address first" in refused.get_data(as_text=True)

    link = outbox.link("confirm_email", to="nina@example.com")
    landing = client.get(link)
    assert landing.status_code == 200
    assert get_user("nina@example.com").email_confirmed_at is None  # GET changes nothing
    assert "Confirm my email address" in landing.get_data(as_text=True)

    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert get_user("nina@example.com").email_confirmed_at is not None

    signed_in = sign_in(client, "nina@example.com", GOOD["password"])
    assert signed_in.status_code == 302


def test_a_confirmation_link_works_once(client, outbox):
    client.post("/register", data=GOOD)
    link = outbox.link("confirm_email")
    assert client.post(link).status_code == 302
    again = client.post(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_an_expired_confirmation_link_is_refused(client, outbox, expire_tokens):
    client.post("/register", data=GOOD)
    link = outbox.link("confirm_email")
    expire_tokens()
    response = client.get(link)
    assert response.status_code == 400
    assert "has expired" in response.get_data(as_text=True)


def test_a_made_up_link_is_refused(client):
    response = client.get("/register/confirm/not-a-real-token")
    assert response.status_code == 400
    assert "do not recognise this link" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"name": ""}, "This field is required."),
        ({"email": "nina.example.com"}, "Invalid email address."),
        ({"password": "short-pw", "confirm": "short-pw"}, "Use at least 12 characters."),
        ({"password": "password1234", "confirm": "password1234"}, "too common"),
        ({"password": "nina@example.com", "confirm": "nina@example.com"}, "must not be your email"),
        ({"confirm": "tempo-runs-on-monday"}, "The two passwords differ."),
    ],
)
def test_register_refuses_bad_input_and_keeps_what_was_typed(client, app, change, field_message):
    data = {**GOOD, **change}
    response = client.post("/register", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_message in page
    if data["name"]:
        assert f'value="{data["name"]}"' in page
    password_inputs = re.findall(r'<input[^>]*name="(?:password|confirm)"[^>]*>', page)
    assert len(password_inputs) == 2
    assert all(data["password"] not in tag for tag in password_inputs)  # never echoed
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_registering_a_known_address_emails_its_owner_and_creates_nothing(
    client, make_user, outbox, app
):
    make_user("nina@example.com")
    response = client.post("/register", data=GOOD)
    assert "Check your email" in response.get_data(as_text=True)
    assert [m["template"] for m in outbox.messages(to="nina@example.com")] == ["already_registered"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_the_database_refuses_a_second_account_with_the_same_email(app, make_user):
    make_user("twice@example.com")
    with app.app_context():
        db.session.add(User(email="twice@example.com", name="Again", role="client"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.config(
    REGISTER_LIMIT_PER_IP="100 per minute", REGISTER_LIMIT_PER_ACCOUNT="100 per minute"
)
def test_concurrent_registrations_of_one_address_make_one_account(app):
    """Eight requests at once for the same email: exactly one account, same answer for all."""
    barrier = threading.Barrier(8)
    results: list[tuple[int, str]] = []

    def register() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/register", data=GOOD)
        results.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=register) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert {status for status, _ in results} == {200}
    assert all("Check your email" in body for _, body in results)
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(User.id)).where(User.email == "nina@example.com")
            )
            == 1
        )


def test_signed_in_people_are_sent_away_from_register(client, auth):
    auth.login_client()
    assert client.get("/register").status_code == 302


@pytest.mark.config(**PRODUCTION_HASHING)
def test_password_is_hashed_with_argon2id_at_asvs_parameters(app, make_user, get_user):
    make_user("hash@example.com", password=PASSWORD)
    stored = get_user("hash@example.com").password_hash
    assert stored.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in stored


def test_the_confirmation_greets_nobody_by_the_name_the_registrant_typed(client, outbox):
    bait = "Your bank: verify at evil.example"
    client.post("/register", data={**GOOD, "name": bait})
    (message,) = outbox.messages("confirm_email")
    assert bait not in str(message)
    with client.application.app_context():
        row = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.template == "confirm_email")
        )
        assert row.to_name is None


def test_the_suite_hashes_cheaply_and_production_keeps_the_asvs_parameters(
    app, make_user, get_user, monkeypatch
):
    """Tests hash at t=1, 64 KiB (TestingConfig); every other environment at the defaults."""
    make_user("cheap@example.com", password=PASSWORD)
    assert "m=64,t=1,p=1" in get_user("cheap@example.com").password_hash
    from config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    production = ProductionConfig()
    assert (production.PASSWORD_HASH_TIME_COST, production.PASSWORD_HASH_MEMORY_KIB) == (2, 19456)
