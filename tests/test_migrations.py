"""Models and migrations never drift: upgrade an empty database, then autogenerate finds nothing."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from tests.conftest import make_test_app


def test_upgrade_then_check_finds_no_difference(database_url):
    app = make_test_app(database_url)
    runner = app.test_cli_runner()

    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output

    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output

    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        db.engine.dispose()


def test_downgrade_to_base_removes_every_table(database_url):
    app = make_test_app(database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    downgrade = runner.invoke(args=["db", "downgrade", "base"])
    assert downgrade.exit_code == 0, downgrade.output
    with app.app_context():
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_0006_renames_old_audit_spellings_to_the_vocabulary(database_url):
    """Issue 8, item 11: three spellings of actions became one vocabulary; old rows follow."""
    from portal.audit import AuditAction

    app = make_test_app(database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0005"]).exit_code == 0
    old = ["invite staff", "enable staff account", "disable staff account", "view client"]
    with app.app_context():
        with db.engine.begin() as connection:
            for action in [*old, "client.view", "session.update"]:
                connection.execute(
                    sa.text(
                        "INSERT INTO audit_entries (created_at, action) VALUES (:now, :action)"
                    ),
                    {"now": "2026-01-02 03:04:05", "action": action},
                )
        db.engine.dispose()

    def actions() -> list[str]:
        with app.app_context(), db.engine.connect() as connection:
            found = connection.execute(sa.text("SELECT action FROM audit_entries ORDER BY id"))
            result = [row[0] for row in found]
        with app.app_context():
            db.engine.dispose()
        return result

    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    renamed = actions()
    assert renamed == [
        "staff.invite",
        "staff.enable",
        "staff.disable",
        "client.view",
        "client.view",
        "session.update",
    ]
    assert all(AuditAction.of(action) for action in renamed)  # every row is in the vocabulary

    assert runner.invoke(args=["db", "downgrade", "0005"]).exit_code == 0
    assert actions()[:3] == old[:3]  # what the code of 0005 writes
