"""The account page: name, password, email change, data download, deletion."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD, csrf_token, sign_in

NEW = "hill-repeats-on-thursday"


@pytest.fixture
def rosa(client, make_user):
    make_user("rosa@example.com", name="Rosa")
    sign_in(client, "rosa@example.com")
    return client


def test_account_page_needs_a_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_change_name(rosa, get_user):
    assert rosa.post("/account/name", data={"name-name": "  Rosa Runner "}).status_code == 302
    assert get_user("rosa@example.com").name == "Rosa Runner"


def test_empty_name_is_refused_with_a_message(rosa, get_user):
    response = rosa.post("/account/name", data={"name-name": "   "})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    assert get_user("rosa@example.com").name == "Rosa"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"pw-current_password": "wrong-password-x", "pw-password": NEW, "pw-confirm": NEW},
            "That is not your current password.",
        ),
        (
            {"pw-current_password": PASSWORD, "pw-password": "short", "pw-confirm": "short"},
            "Use at least 12 characters.",
        ),
        (
            {"pw-current_password": PASSWORD, "pw-password": NEW, "pw-confirm": NEW + "?"},
            "The two passwords differ.",
        ),
        (
            {
                "pw-current_password": PASSWORD,
                "pw-password": "qwerty123456",
                "pw-confirm": "qwerty123456",
            },
            "too common",
        ),
    ],
)
def test_password_change_failures(rosa, auth, data, message):
    response = rosa.post("/account/password", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    rosa.post("/logout")
    assert auth.login("rosa@example.com", PASSWORD).status_code == 302  # unchanged


def test_email_change_takes_effect_only_when_confirmed_at_the_new_address(
    rosa, outbox, get_user, app
):
    response = rosa.post(
        "/account/email", data={"em-email": "Rosa.New@Example.com", "em-current_password": PASSWORD}
    )
    assert response.status_code == 302
    assert get_user("rosa@example.com") is not None  # not yet
    link = outbox.link("change_email", to="rosa.new@example.com")
    assert rosa.get(link).status_code == 200
    assert get_user("rosa.new@example.com") is None  # GET changes nothing
    assert rosa.post(link).status_code == 302
    assert get_user("rosa.new@example.com") is not None
    assert get_user("rosa@example.com") is None
    assert outbox.messages("email_changed", to="rosa@example.com")  # the old address is told


def test_email_change_to_a_taken_address_reveals_nothing_and_changes_nothing(
    rosa, make_user, outbox, get_user
):
    make_user("taken@example.com")
    response = rosa.post(
        "/account/email", data={"em-email": "taken@example.com", "em-current_password": PASSWORD}
    )
    assert response.status_code == 302
    assert outbox.messages("change_email") == []
    assert outbox.messages("email_in_use", to="taken@example.com")
    assert get_user("rosa@example.com") is not None


def test_email_change_needs_the_current_password(rosa, outbox):
    response = rosa.post(
        "/account/email", data={"em-email": "x@example.com", "em-current_password": "not-it-at-all"}
    )
    assert response.status_code == 422
    assert "That is not your current password." in response.get_data(as_text=True)
    assert 'value="x@example.com"' in response.get_data(as_text=True)
    assert outbox.messages() == []


def test_download_my_data(rosa):
    response = rosa.get("/account/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "rosa@example.com"
    assert data["profile"]["name"] == "Rosa"
    assert "password" not in json.dumps(data)


def test_delete_account_anonymises_and_signs_out(rosa, app, auth, get_user):
    from portal.extensions import db
    from portal.models import User

    refused = rosa.post(
        "/account/delete", data={"del-current_password": PASSWORD}
    )  # box not ticked
    assert refused.status_code == 422
    assert "Tick the box to confirm." in refused.get_data(as_text=True)
    wrong = rosa.post(
        "/account/delete", data={"del-current_password": "nope-nope-nope", "del-understood": "y"}
    )
    assert wrong.status_code == 422

    done = rosa.post(
        "/account/delete", data={"del-current_password": PASSWORD, "del-understood": "y"}
    )
    assert done.status_code == 302
    assert rosa.get("/account").status_code == 302
    assert get_user("rosa@example.com") is None
    with app.app_context():
        import sqlalchemy as sa

        user = db.session.scalar(sa.select(User).where(User.name == "Deleted user"))
        assert user is not None and user.password_hash is None and not user.is_active_account
    assert auth.login("rosa@example.com", PASSWORD).status_code == 200


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_prefixed_forms_name_their_csrf_token_as_usual_and_check_it(app, make_user):
    """wapiti (Scans, docs/security.md) took ``name-csrf_token`` for a missing token."""
    make_user("rosa@example.com")
    rosa = app.test_client()
    sign_in(rosa, "rosa@example.com")
    page = rosa.get("/account").get_data(as_text=True)
    assert "name-csrf_token" not in page and "pw-csrf_token" not in page
    token = csrf_token(page)
    refused = rosa.post("/account/name", data={"name-name": "Rosa M", "csrf_token": "wapiti"})
    assert refused.status_code == 400
    saved = rosa.post("/account/name", data={"name-name": "Rosa M", "csrf_token": token})
    assert saved.status_code == 302
