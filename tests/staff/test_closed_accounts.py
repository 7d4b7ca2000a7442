"""A deleted account is never invited or switched on again (issue 8, item 5).

Deleting an account anonymises it and drops its password, which made it look like an invited
client who never chose one: staff could "resend" an invitation to it.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.invitations import CannotInvite, send_invitation
from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage, User
from tests.conftest import PASSWORD, sign_in


def _delete_own_account(app, email: str) -> None:
    person = app.test_client()
    assert sign_in(person, email).status_code == 302
    response = person.post(
        "/account/delete", data={"del-current_password": PASSWORD, "del-understood": "y"}
    )
    assert response.status_code == 302


def _invitations(app) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.template == "invite")
        )


def test_staff_cannot_resend_an_invitation_to_a_deleted_client(app, client, auth, make_user):
    rosa = make_user("rosa@example.com", name="Rosa Runner")
    _delete_own_account(app, "rosa@example.com")
    auth.login_staff()

    page = client.get(f"/staff/clients/{rosa}").get_data(as_text=True)
    assert "account deleted" in page
    assert "Send a new invitation" not in page

    response = client.post(f"/staff/clients/{rosa}/invitation", follow_redirects=True)
    assert response.status_code == 200
    assert "This account was deleted, so it cannot be invited again." in response.get_data(
        as_text=True
    )
    assert _invitations(app) == 0
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.subject_user_id == rosa)
        ).all()
    assert "client.reinvite" not in actions


def test_an_invited_client_can_still_be_sent_a_new_invitation(app, client, auth, make_user):
    nia = make_user("nia@example.com", password=None)
    auth.login_staff()
    assert "Send a new invitation" in client.get(f"/staff/clients/{nia}").get_data(as_text=True)
    response = client.post(f"/staff/clients/{nia}/invitation", follow_redirects=True)
    assert "A new invitation is on its way" in response.get_data(as_text=True)
    assert _invitations(app) == 1


def test_a_switched_off_account_gets_no_invitation(app, make_user):
    theo = make_user("theo@example.com", role="staff", password=None)
    with app.app_context():
        user = db.session.get(User, theo)
        user.is_active_account = False
        with pytest.raises(CannotInvite, match="switched off"):
            send_invitation(user)
    assert _invitations(app) == 0


def test_an_admin_cannot_switch_a_deleted_staff_account_back_on(app, client, auth, make_user):
    theo = make_user("theo@example.com", role="staff")
    _delete_own_account(app, "theo@example.com")
    auth.login_admin()

    page = client.get("/staff/accounts").get_data(as_text=True)
    assert f"/staff/accounts/{theo}/active" not in page  # no button for it
    response = client.post(f"/staff/accounts/{theo}/active", follow_redirects=True)
    assert "This account was deleted, so it cannot be switched on again." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(User, theo).is_active_account is False
