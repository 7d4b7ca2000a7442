"""Database engine settings that depend on the backend."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, CursorResult, Engine, Result, make_url

from portal.extensions import db


def configure_database(app: Flask) -> None:
    """Create the SQLite folder and switch SQLite to WAL with a busy timeout.

    WAL lets the web process read while a worker writes; the busy timeout makes a writer
    wait for the lock instead of failing at once with "database is locked".
    """
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "savepoint", _begin_before_first_savepoint)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_before_first_savepoint(connection: Connection, _name: str) -> None:
    """Open the real transaction before a SAVEPOINT on SQLite.

    pysqlite only begins a transaction implicitly before INSERT/UPDATE/DELETE. A SAVEPOINT
    issued first would start a transaction of its own, and releasing it would COMMIT —
    so a ``begin_nested()`` block would be saved even if the surrounding transaction later
    rolls back. Beginning explicitly keeps the savepoint nested, as on PostgreSQL.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE, DELETE or INSERT … SELECT touched (typed ``Result`` hides the count)."""
    return cast("CursorResult[Any]", result).rowcount


def is_sqlite(bind: Engine | Connection | None = None) -> bool:
    """Whether ``bind`` (default: the app's engine) talks to SQLite."""
    return (bind if bind is not None else db.engine).dialect.name == "sqlite"


_turn_files: dict[tuple[int, str], int] = {}


@contextmanager
def sqlite_writer_turn(conn: Connection) -> Iterator[None]:
    """Wait for a turn to write a SQLite file, on a lock the kernel hands over at once.

    SQLite lets one connection write at a time; the others, in ``busy_timeout``, sleep 1, 2,
    5, 10 … ms before trying again, although a sent-mark holds the lock for about 30 µs.
    With three sending processes committing per message, one commit in eight slept that
    way (measured with three sending processes and smtp-sink: 0.4 ms of waiting per
    message on average). Processes that take turns on an ``flock`` first are woken as soon as
    the previous one is done. SQLite's own locking is unchanged; writers that do not take
    turns (the web app) still wait in ``busy_timeout``. A no-op on other databases.

    The lock file sits beside the database (``…-writers.lock``). Each process opens its
    own descriptor: an inherited one would share its lock with the parent.
    """
    database = conn.engine.url.database if is_sqlite(conn) else None
    if not database or database == ":memory:":
        yield
        return
    key = (os.getpid(), database)
    if key not in _turn_files:
        _turn_files[key] = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
    descriptor = _turn_files[key]
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
