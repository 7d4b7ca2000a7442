"""Where one-time links lead (issue 8, item 12): a confirmed reader is signed in, and a link
that cannot be used says what to do next for its own kind of link."""

from __future__ import annotations

import pytest

from portal.auth.invitations import invite_client
from portal.extensions import db
from tests.conftest import PASSWORD, sign_in

NEW = "hill-repeats-on-thursday"
READER = {
    "name": "Nina Reader",
    "email": "nina@example.com",
    "password": "tempo-runs-on-tuesday",
    "confirm": "tempo-runs-on-tuesday",
}
INVITATION_ADVICE = "Ask the practice for a new invitation"


def test_confirming_an_address_signs_the_reader_in_with_a_welcome(client, outbox, get_user):
    client.post("/register", data=READER)
    link = outbox.link("confirm_email", to="nina@example.com")
    response = client.post(link)
    assert response.status_code == 302
    # A reader's home (the blog), not an empty sign-in form.
    assert response.headers["Location"] == "/blog/"
    home = client.get("/blog/").get_data(as_text=True)
    assert "Welcome, Nina Reader! Your email address is confirmed." in home
    assert "Sign out" in home
    assert get_user("nina@example.com").last_login_at is not None


def test_a_reused_confirmation_link_says_to_sign_in(app, client, outbox):
    client.post("/register", data=READER)
    link = outbox.link("confirm_email")
    client.post(link)
    reused = app.test_client().get(link)
    assert reused.status_code == 400
    page = reused.get_data(as_text=True)
    assert "already been used" in page
    assert "Your address is already confirmed" in page and 'href="/login"' in page
    assert INVITATION_ADVICE not in page


def test_an_expired_confirmation_link_says_signing_in_sends_a_new_one(
    client, outbox, expire_tokens
):
    client.post("/register", data=READER)
    link = outbox.link("confirm_email")
    expire_tokens()
    page = client.get(link).get_data(as_text=True)
    assert "we will email you a new confirmation link" in page
    assert INVITATION_ADVICE not in page


def test_a_used_reset_link_offers_a_new_reset_link(app, client, make_user, outbox):
    make_user("rosa@example.com")
    client.post("/reset-password", data={"email": "rosa@example.com"})
    link = outbox.link("reset_password")
    client.post(link, data={"password": NEW, "confirm": NEW})
    reused = app.test_client().get(link)
    assert reused.status_code == 400
    page = reused.get_data(as_text=True)
    assert 'href="/reset-password">Ask for a new reset link</a>' in page
    assert INVITATION_ADVICE not in page


def test_a_used_invitation_asks_the_practice_for_a_new_one(app, client, outbox):
    with app.app_context():
        invite_client(email="new.client@example.com", name="New Client")
        db.session.commit()
    link = outbox.link("invite")
    client.post(link, data={"password": NEW, "confirm": NEW})
    reused = app.test_client().get(link)
    assert reused.status_code == 400
    assert INVITATION_ADVICE in reused.get_data(as_text=True)


def test_a_used_email_change_link_points_to_the_account_page(app, client, make_user, outbox):
    make_user("rosa@example.com")
    sign_in(client, "rosa@example.com")
    client.post(
        "/account/email", data={"em-email": "rosa.new@example.com", "em-current_password": PASSWORD}
    )
    link = outbox.link("change_email")
    client.post(link)
    reused = client.get(link)
    assert reused.status_code == 400
    page = reused.get_data(as_text=True)
    assert "start again from your account page" in page
    assert INVITATION_ADVICE not in page


@pytest.mark.parametrize(
    ("path", "advice"),
    [
        ("/register/confirm/made-up", "new confirmation link"),
        ("/reset-password/made-up", "Ask for a new reset link"),
        ("/invitation/made-up", INVITATION_ADVICE),
        ("/account/email/confirm/made-up", "start again from your account page"),
    ],
)
def test_an_unknown_link_gives_the_advice_of_its_kind(client, path, advice):
    response = client.get(path)
    assert response.status_code == 400
    assert advice in response.get_data(as_text=True)
