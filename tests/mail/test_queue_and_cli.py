"""Which task queue the app uses, and the mail commands."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from huey import MemoryHuey, RedisHuey, SqliteHuey

from portal.extensions import db
from portal.mail.queue import create_huey, mail_queue
from portal.models import OutboxMessage
from portal.models.types import utcnow
from tests.conftest import make_test_app
from tests.fixtures.mail import queue, status_counts


def test_tests_run_tasks_inline(app):
    huey = mail_queue(app).huey
    assert isinstance(huey, MemoryHuey) and huey.immediate


def test_the_embedded_default_is_a_sqlite_queue_beside_the_database(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'portal.sqlite'}", HUEY_IMMEDIATE=False)
    app.config["REDIS_URL"] = None
    huey = create_huey(app)
    assert isinstance(huey, SqliteHuey)
    assert Path(huey.storage.filename) == tmp_path / "portal-tasks.sqlite"


def test_redis_url_selects_a_redis_queue(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'portal.sqlite'}", HUEY_IMMEDIATE=False)
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", HUEY_NAME="portal-x")
    huey = create_huey(app)  # connects lazily: nothing listens on port 1
    assert isinstance(huey, RedisHuey)
    assert huey.name == "portal-x"


def test_a_queue_that_cannot_be_reached_does_not_fail_the_request(tmp_path, caplog):
    app = make_test_app(
        f"sqlite:///{tmp_path / 'portal.sqlite'}",
        HUEY_IMMEDIATE=False,
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    with app.app_context():
        db.create_all()
    queue(app, 1)  # commits, then fails to reach Redis: logged, the row is safe
    assert status_counts(app) == {"pending": 1}
    assert "the next sweep will send the mail" in caplog.text
    with app.app_context():
        db.engine.dispose()


def test_the_worker_command_refuses_inline_mode(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "HUEY_IMMEDIATE" in result.output


def test_mail_deliver_sends_what_is_due_in_this_process(app, runner):
    queue(app, 3)
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "sent 3" in result.output
    assert status_counts(app) == {"sent": 3}


def test_the_deliver_task_sends_one_batch_inline(app):
    app.config["MAIL_BATCH_SIZE"] = 2
    queue(app, 3)
    mail_queue(app).deliver()  # immediate mode: runs here, no fan-out
    assert status_counts(app) == {"sent": 2, "pending": 1}


def test_the_sweep_task_gives_back_expired_leases_and_delivers(app):
    queue(app, 2)
    with app.app_context():
        db.session.execute(  # a worker claimed them, then died a while ago
            sa.update(OutboxMessage).values(
                status="sending", leased_by="dead", lease_expires_at=utcnow() - timedelta(1)
            )
        )
        db.session.commit()

    mail_queue(app).sweep()

    assert status_counts(app) == {"sent": 2}
