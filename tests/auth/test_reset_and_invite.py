"""Password reset by email, and invitations: tokens that expire, work once, and say why not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.invitations import invite_client
from portal.extensions import db
from portal.models import AccountToken
from tests.conftest import PASSWORD, sign_in

NEW = "long-run-sunday-morning"


def test_reset_happy_path_signs_out_everywhere(app, client, make_user, outbox, auth):
    make_user("rosa@example.com")
    other_device = app.test_client()
    assert sign_in(other_device, "rosa@example.com").status_code == 302

    response = client.post("/reset-password", data={"email": "ROSA@example.com"})
    assert "If <strong>rosa@example.com</strong> belongs to an account" in response.get_data(
        as_text=True
    )
    link = outbox.link("reset_password", to="rosa@example.com")
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    assert auth.login("rosa@example.com", PASSWORD).status_code == 200  # old password: no
    assert auth.login("rosa@example.com", NEW).status_code == 302
    assert other_device.get("/account").status_code == 302  # the other session is gone
    assert [m["template"] for m in outbox.messages(to="rosa@example.com")][-1] == (
        "password_changed"
    )


def test_reset_link_is_single_use(client, make_user, outbox):
    make_user("rosa@example.com")
    client.post("/reset-password", data={"email": "rosa@example.com"})
    link = outbox.link("reset_password")
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302
    reused = client.post(link, data={"password": NEW + "x", "confirm": NEW + "x"})
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)


def test_reset_link_expires_within_an_hour(app, client, make_user, outbox):
    make_user("rosa@example.com")
    client.post("/reset-password", data={"email": "rosa@example.com"})
    with app.app_context():
        token = db.session.scalar(sa.select(AccountToken))
        assert (token.expires_at - token.created_at).total_seconds() <= 3600


def test_expired_reset_link_is_refused(client, make_user, outbox, expire_tokens):
    make_user("rosa@example.com")
    client.post("/reset-password", data={"email": "rosa@example.com"})
    link = outbox.link("reset_password")
    expire_tokens()
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 400
    assert "has expired" in response.get_data(as_text=True)


def test_a_new_reset_link_retires_the_previous_one(client, make_user, outbox):
    make_user("rosa@example.com")
    client.post("/reset-password", data={"email": "rosa@example.com"})
    first = outbox.link("reset_password")
    client.post("/reset-password", data={"email": "rosa@example.com"})
    assert client.get(first).status_code == 400


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Use at least 12 characters."),
        ("qwertyuiop123", "qwertyuiop123", "too common"),
        (NEW, NEW + "!", "The two passwords differ."),
        ("", "", "This field is required."),
    ],
)
def test_reset_refuses_a_bad_new_password_and_keeps_the_link_usable(
    client, make_user, outbox, password, confirm, message
):
    make_user("rosa@example.com")
    client.post("/reset-password", data={"email": "rosa@example.com"})
    link = outbox.link("reset_password")
    response = client.post(link, data={"password": password, "confirm": confirm})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302


def test_reset_for_an_unknown_address_sends_nothing(client, outbox):
    client.post("/reset-password", data={"email": "ghost@example.com"})
    assert outbox.messages() == []


def test_invitation_sets_a_password_and_signs_the_client_in(app, client, outbox, get_user):
    with app.app_context():
        invite_client(email=" New.Client@Example.com", name="New Client")
        db.session.commit()
    invited = get_user("new.client@example.com")
    assert invited.password_hash is None and invited.role == "client"
    message = outbox.messages("invite")[0]
    assert message["category"] == "transactional"
    link = outbox.link("invite")
    page = client.get(link).get_data(as_text=True)
    assert "new.client@example.com" in page
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert get_user("new.client@example.com").email_confirmed_at is not None
    assert "Sign out" in client.get("/").get_data(as_text=True)
    reused = app.test_client().post(link, data={"password": NEW, "confirm": NEW})
    assert reused.status_code == 400 and "already been used" in reused.get_data(as_text=True)


def test_invitation_lasts_seven_days(app):
    with app.app_context():
        invite_client(email="week@example.com", name="Week")
        db.session.commit()
        token = db.session.scalar(sa.select(AccountToken))
        assert (token.expires_at - token.created_at).days == 7


def test_expired_invitation_is_refused(app, client, outbox, expire_tokens):
    with app.app_context():
        invite_client(email="late@example.com", name="Late")
        db.session.commit()
    expire_tokens()
    response = client.get(outbox.link("invite"))
    assert response.status_code == 400
    assert "has expired" in response.get_data(as_text=True)


def test_tokens_are_stored_only_as_digests(app, client, make_user, outbox):
    make_user("rosa@example.com")
    client.post("/reset-password", data={"email": "rosa@example.com"})
    token = outbox.link("reset_password").rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalar(sa.select(AccountToken.token_hash))
    assert stored != token and len(stored) == 64


def test_staff_resend_an_invitation_and_the_old_link_dies(app, client, auth, outbox):
    with app.app_context():
        invited = invite_client(email="slow@example.com", name="Slow Starter")
        db.session.commit()
        invited_id = invited.id
    first = outbox.link("invite")
    auth.login_staff()
    page = client.get(f"/staff/clients/{invited_id}").get_data(as_text=True)
    assert "Send a new invitation" in page
    assert client.post(f"/staff/clients/{invited_id}/invitation").status_code == 302
    second = outbox.link("invite")
    assert second != first
    assert app.test_client().get(first).status_code == 400
    assert app.test_client().get(second).status_code == 200


def test_no_new_invitation_once_the_client_has_a_password(app, client, auth, make_user, outbox):
    rosa = make_user("rosa@example.com")
    auth.login_staff()
    response = client.post(f"/staff/clients/{rosa}/invitation", follow_redirects=True)
    assert "already set a password" in response.get_data(as_text=True)
    assert outbox.messages("invite") == []
