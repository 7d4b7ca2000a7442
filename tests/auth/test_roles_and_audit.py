"""Role rules, staff accounts (admin only) and the append-only audit log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.core import audit
from portal.core.audit import AuditAction
from portal.extensions import db
from portal.models import AuditEntry, User
from tests.conftest import sign_in


@pytest.mark.parametrize("path", ["/staff/", "/staff/audit", "/staff/accounts"])
def test_back_office_is_403_for_clients(client, auth, path):
    auth.login_client()
    assert client.get(path).status_code == 403


def test_admin_pages_are_403_for_staff(client, auth):
    auth.login_staff()
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/accounts").status_code == 403
    assert client.post("/staff/accounts", data={}).status_code == 403


def test_admin_invites_a_therapist(client, auth, app, outbox):
    auth.login_admin()
    response = client.post(
        "/staff/accounts",
        data={"name": "Theo", "email": "Theo2@example.com", "role": "staff"},
    )
    assert response.status_code == 302
    with app.app_context():
        theo = db.session.scalar(sa.select(User).where(User.email == "theo2@example.com"))
        assert theo.role == "staff" and theo.password_hash is None
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == AuditAction.STAFF_INVITE)
        )
        assert entry.actor_email == "admin@example.com"
        assert entry.subject_user_id == theo.id
        assert entry.ip_address == "127.0.0.1"
    assert outbox.messages("invite", to="theo2@example.com")


def test_inviting_an_existing_address_is_refused_with_a_message(client, auth, make_user):
    make_user("taken@example.com")
    auth.login_admin()
    response = client.post(
        "/staff/accounts", data={"name": "X", "email": "taken@example.com", "role": "staff"}
    )
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_switching_off_a_therapist_ends_their_sessions(app, client, auth, make_user):
    theo_id = make_user("theo@example.com", role="staff")
    theo = app.test_client()
    sign_in(theo, "theo@example.com")
    assert theo.get("/staff/").status_code == 200
    auth.login_admin()
    assert client.post(f"/staff/accounts/{theo_id}/active").status_code == 302
    assert theo.get("/staff/").status_code == 302


def test_audit_log_is_readable_by_staff(client, auth, app):
    staff_id = auth.login_staff()
    with app.app_context():
        db.session.add(
            AuditEntry(
                actor_user_id=staff_id, actor_email="staff@example.com", action="client.view"
            )
        )
        db.session.commit()
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "Opened a client&#39;s record" in page and "Staff</td>" in page


def test_audit_entries_cannot_be_changed_or_deleted(app):
    with app.test_request_context():
        entry = audit.record(AuditAction.CLIENT_VIEW, subject_user_id=1)
        db.session.commit()
        entry.action = "nothing to see"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry.id))
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(AuditEntry, entry.id).action == "client.view"
