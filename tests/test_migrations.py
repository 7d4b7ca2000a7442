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
    from portal.core.audit import AuditAction

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


def test_0007_flattens_control_characters_in_stored_text(database_url):
    """Text stored before forms refused control characters is made to follow the rules."""
    import os
    from datetime import UTC, datetime

    from alembic.script import ScriptDirectory

    app = make_test_app(database_url)
    runner = app.test_cli_runner()
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        before = ScriptDirectory.from_config(config).get_revision("0007").down_revision
    assert runner.invoke(args=["db", "upgrade", str(before)]).exit_code == 0

    nul = "" if os.environ.get("TEST_DATABASE_URL") else "\x00"  # PostgreSQL refuses NUL
    now = datetime.now(UTC)
    columns = ["id", "email", "name", "role", "session_token", "created_at", "is_active_account"]
    users = sa.table("users", *map(sa.column, columns))
    recommendations = sa.table(
        "recommendations",
        *map(sa.column, ["id", "client_id", "title", "details", "frequency", "link_url"]),
        sa.column("created_at"),
        sa.column("updated_at"),
    )
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            users.insert().values(
                id=1,
                email="rosa@example.com",
                name=f"Rosa\r\n  Runner{nul}",
                role="client",
                session_token="t",
                created_at=now,
                is_active_account=True,
            )
        )
        connection.execute(
            recommendations.insert().values(
                id=1,
                client_id=1,
                title="Hills\u2028daily",
                details=f"Line one\r\nLine two\x07{nul}",
                frequency="\n",
                link_url="https://example.com/a\r\nb",
                created_at=now,
                updated_at=now,
            )
        )
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0

    with app.app_context(), db.engine.connect() as connection:
        name = connection.execute(sa.select(users.c.name)).scalar_one()
        row = connection.execute(sa.select(recommendations)).mappings().one()
    assert name == "Rosa Runner"
    assert row["title"] == "Hills daily"
    assert row["details"] == "Line one\r\nLine two"
    assert row["frequency"] is None
    assert row["link_url"] == "https://example.com/ab"  # as a browser would follow it
    assert runner.invoke(args=["db", "downgrade", str(before)]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
