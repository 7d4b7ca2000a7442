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
