"""The member role: readers who register are members, clients are invited (a member who is
invited becomes a client, same login), members get an explanation at /portal/."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Role, User
from tests.conftest import PASSWORD


def _user(app, email):  # type: ignore[no-untyped-def]
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def test_self_registration_creates_a_member(app, client):
    client.post(
        "/register",
        data={
            "name": "Rita Reader",
            "email": "rita@example.com",
            "password": "a-long-reading-pass-9",
            "confirm": "a-long-reading-pass-9",
        },
    )
    assert _user(app, "rita@example.com").role == Role.MEMBER


def test_a_member_lands_on_the_blog_and_gets_an_explanation_at_the_portal(client, make_user):
    make_user("mia@example.com", role=Role.MEMBER)
    response = client.post("/login", data={"email": "mia@example.com", "password": PASSWORD})
    assert response.location == "/blog/"
    page = client.get("/portal/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Becoming a client" in text and "account page" in text
    assert client.get("/portal/sessions").status_code == 403
    nav = client.get("/blog/").get_data(as_text=True)
    assert "My portal" not in nav and "Back office" not in nav and ">Account<" in nav


def test_inviting_a_member_turns_the_account_into_a_client(app, auth, make_user, outbox):
    member_id = make_user("mia@example.com", role=Role.MEMBER, name="Mia Member")
    auth.login_staff()
    response = auth.client.post(
        "/staff/clients/invite",
        data={"name": "Someone Else", "email": "MIA@example.com"},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "already had a reader account" in text and "same login" in text
    mia = _user(app, "mia@example.com")
    assert mia.id == member_id and mia.role == Role.CLIENT and mia.name == "Mia Member"
    assert mia.password_hash is not None
    assert [m["template"] for m in outbox.messages(to="mia@example.com")] == ["now_a_client"]
    auth.logout()
    assert auth.login("mia@example.com").location == "/portal/"


def test_inviting_a_client_or_staff_address_is_refused(auth, make_user):
    make_user("rosa@example.com", role=Role.CLIENT)
    auth.login_staff()
    for email in ("rosa@example.com", "staff@example.com"):
        response = auth.client.post("/staff/clients/invite", data={"name": "X", "email": email})
        assert "already an account" in response.get_data(as_text=True)


def test_the_staff_client_list_shows_clients_only(auth, make_user):
    make_user("rosa@example.com", role=Role.CLIENT, name="Rosa Client")
    make_user("mia@example.com", role=Role.MEMBER, name="Mia Member")
    auth.login_staff()
    page = auth.client.get("/staff/clients").get_data(as_text=True)
    assert "Rosa Client" in page and "Mia Member" not in page
    assert auth.client.get("/staff/clients?q=mia").get_data(as_text=True).count("Mia Member") == 0
