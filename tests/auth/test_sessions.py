"""Sessions end everywhere on logout, password change and "sign out everywhere"."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, sign_in
from tests.fixtures.accounts import PRODUCTION_HASHING

NEW = "intervals-on-the-track"


def signed_in_device(app, email: str, remember: bool = False):
    device = app.test_client()
    response = sign_in(device, email, remember=remember)
    assert response.status_code == 302
    assert device.get("/account").status_code == 200
    return device


def test_logout_ends_the_other_devices_sessions_too(app, make_user):
    make_user("rosa@example.com")
    laptop = signed_in_device(app, "rosa@example.com")
    phone = signed_in_device(app, "rosa@example.com", remember=True)
    assert laptop.post("/logout").status_code == 302
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302


def test_remember_me_cookie_survives_a_lost_session_but_not_a_revocation(app, make_user):
    make_user("rosa@example.com")
    phone = signed_in_device(app, "rosa@example.com", remember=True)
    assert phone.get_cookie("remember_token") is not None
    phone.delete_cookie("session")  # the browser was closed
    assert phone.get("/account").status_code == 200  # remembered
    laptop = signed_in_device(app, "rosa@example.com")
    laptop.post("/logout")
    phone.delete_cookie("session")
    assert phone.get("/account").status_code == 302  # the remember cookie is revoked too


def test_password_change_keeps_this_device_and_ends_the_others(app, make_user):
    make_user("rosa@example.com")
    laptop = signed_in_device(app, "rosa@example.com")
    phone = signed_in_device(app, "rosa@example.com", remember=True)
    response = laptop.post(
        "/account/password",
        data={"pw-current_password": PASSWORD, "pw-password": NEW, "pw-confirm": NEW},
    )
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    phone.delete_cookie("session")
    assert phone.get("/account").status_code == 302


def test_sign_out_everywhere(app, make_user):
    make_user("rosa@example.com")
    laptop = signed_in_device(app, "rosa@example.com")
    phone = signed_in_device(app, "rosa@example.com")
    assert laptop.post("/account/sign-out-everywhere").status_code == 302
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302


def test_a_switched_off_account_cannot_sign_in(app, client, make_user):
    from portal.extensions import db
    from portal.models import User

    user_id = make_user("gone@example.com")
    with app.app_context():
        db.session.get(User, user_id).is_active_account = False
        db.session.commit()
    response = client.post("/login", data={"email": "gone@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "do not match an account" in response.get_data(as_text=True)


@pytest.mark.config(**PRODUCTION_HASHING)
def test_rehash_on_login_when_parameters_change(app, client, make_user):
    import sqlalchemy as sa
    from argon2 import PasswordHasher

    from portal.extensions import db
    from portal.models import User

    user_id = make_user("old@example.com", password=None)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user_id).values(password_hash=weak))
        db.session.commit()
    assert (
        client.post("/login", data={"email": "old@example.com", "password": PASSWORD}).status_code
        == 302
    )
    with app.app_context():
        assert "m=19456,t=2,p=1" in db.session.get(User, user_id).password_hash
