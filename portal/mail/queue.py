"""The task queue the mail workers listen to: Huey, on SQLite or on Redis.

``SqliteHuey`` is the embedded default (no service to install): its file sits beside the
SQLite database, or in ``instance/`` when the database is PostgreSQL. With ``REDIS_URL`` the
queue is ``RedisHuey``. Tests use immediate mode (tasks run in the caller).

The queue only says *when* to look at the outbox; the outbox rows are the truth. A lost
queue message delays mail until the next sweep (every minute) but never loses it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, scoped_session

from config import INSTANCE_DIR
from portal.mail.outages import PatientRedisStorage, PatientSqliteStorage

log = logging.getLogger(__name__)

_DELIVERY_REQUESTED = "portal.mail.delivery_requested"


@dataclass(frozen=True)
class MailQueue:
    huey: Huey
    deliver: TaskWrapper  # deliver one batch (and fan out while batches come back full)
    sweep: TaskWrapper  # release expired leases, then deliver if anything is due

    def request_delivery(self) -> None:
        """Ask a worker to deliver now; a failure here only delays mail until the sweep."""
        if self.huey.immediate:
            return  # tests deliver explicitly
        try:
            self.deliver()
        except Exception:
            log.exception("could not reach the task queue; the next sweep will send the mail")


def sqlite_queue_path(app: Flask) -> Path:
    configured = app.config.get("HUEY_SQLITE_PATH")
    if configured:
        return Path(configured)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(url.database)
        return database.with_name(f"{database.stem}-tasks.sqlite")
    return INSTANCE_DIR / "tasks.sqlite"


def create_huey(app: Flask) -> Huey:
    name = app.config["HUEY_NAME"]
    if app.config.get("HUEY_IMMEDIATE"):
        return MemoryHuey(name, immediate=True, results=False)
    # Reads back off while the store fails (portal.mail.outages).
    if app.config.get("REDIS_URL"):
        return RedisHuey(
            name,
            url=app.config["REDIS_URL"],
            results=False,
            storage_class=PatientRedisStorage,
        )
    path = sqlite_queue_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False, storage_class=PatientSqliteStorage)


def current_flask_app() -> Flask:
    """The app behind ``current_app`` (tasks and worker processes keep a reference to it).

    Flask types ``current_app`` as the app itself, so the proxy's accessor is unknown to mypy.
    """
    return current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001


def mail_queue(app: Flask | None = None) -> MailQueue:
    """The app's queue with the mail tasks (and the features' tasks) registered, created on
    first use."""
    app = app or current_flask_app()
    queue = app.extensions.get("mail_queue")
    if queue is None:
        from portal.core.tasks import register_feature_tasks
        from portal.mail.tasks import register_tasks

        huey = create_huey(app)
        deliver, sweep = register_tasks(huey, app)
        register_feature_tasks(huey, app)  # other features' periodic tasks, same worker
        queue = app.extensions["mail_queue"] = MailQueue(huey, deliver, sweep)
    return queue


def request_delivery_after_commit(session: Session | scoped_session[Any]) -> None:
    """Note that this transaction queued mail; a worker is asked once it commits."""
    session.info[_DELIVERY_REQUESTED] = True


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint (``enqueue_email`` uses one): wait for the real commit
    if session.info.pop(_DELIVERY_REQUESTED, False):
        mail_queue().request_delivery()


def _after_rollback(session: Session) -> None:
    session.info.pop(_DELIVERY_REQUESTED, None)


def listen_for_commits() -> None:
    """Hook every ORM session once (the hooks look up the app of the moment)."""
    if not sa.event.contains(Session, "after_commit", _after_commit):
        sa.event.listen(Session, "after_commit", _after_commit)
        sa.event.listen(Session, "after_rollback", _after_rollback)
