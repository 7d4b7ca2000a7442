"""Migration 0010 turns self-registered "clients" into members, and only those."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from tests.conftest import make_test_app

USERS = """
INSERT INTO users
 (id, email, name, role, password_hash, session_token, created_at, is_active_account)
VALUES
 (1, 'reader@example.com', 'Reader', 'client', 'hash', 't1', '2026-01-01 00:00:00', 1),
 (2, 'treated@example.com', 'Treated', 'client', 'hash', 't2', '2026-01-01 00:00:00', 1),
 (3, 'advised@example.com', 'Advised', 'client', 'hash', 't3', '2026-01-01 00:00:00', 1),
 (4, 'invited@example.com', 'Invited', 'client', NULL, 't4', '2026-01-01 00:00:00', 1),
 (5, 'accepted@example.com', 'Accepted', 'client', 'hash', 't5', '2026-01-01 00:00:00', 1),
 (6, 'staff@example.com', 'Staff', 'staff', 'hash', 't6', '2026-01-01 00:00:00', 1)
"""
RECORDS = [
    "INSERT INTO massage_sessions (client_id, held_on, duration_minutes, modality, pressure,"
    " soreness_before, soreness_after, client_notes, private_notes, created_at, updated_at)"
    " VALUES (2, '2026-01-02', 60, 'sports', 'medium', 5, 2, '', '', '2026-01-02 00:00:00',"
    " '2026-01-02 00:00:00')",
    "INSERT INTO recommendations (client_id, title, details, created_at, updated_at)"
    " VALUES (3, 'Stretch', '', '2026-01-02 00:00:00', '2026-01-02 00:00:00')",
    "INSERT INTO account_tokens (user_id, purpose, token_hash, created_at, expires_at, used_at)"
    " VALUES (5, 'invite', 'abc', '2026-01-01 00:00:00', '2026-01-08 00:00:00',"
    " '2026-01-02 00:00:00')",
]


def test_self_registered_clients_without_records_become_members(database_url):
    app = make_test_app(database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0009"]).exit_code == 0
    with app.app_context(), db.engine.begin() as conn:
        users = USERS if db.engine.dialect.name == "sqlite" else USERS.replace(", 1)", ", true)")
        conn.execute(sa.text(users))
        for statement in RECORDS:
            conn.execute(sa.text(statement))
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        roles = dict(db.session.execute(sa.text("SELECT email, role FROM users")).all())
        db.session.remove()
        db.engine.dispose()
    assert roles == {
        "reader@example.com": "member",
        "treated@example.com": "client",
        "advised@example.com": "client",
        "invited@example.com": "client",
        "accepted@example.com": "client",
        "staff@example.com": "staff",
    }
    downgrade = runner.invoke(args=["db", "downgrade", "0009"])
    assert downgrade.exit_code == 0, downgrade.output
    with app.app_context():
        assert (
            db.session.execute(sa.text("SELECT role FROM users WHERE id = 1")).scalar() == "client"
        )
        db.session.remove()
        db.engine.dispose()
