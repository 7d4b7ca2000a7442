"""Backups: a consistent copy of the database taken while the site runs, and putting one back.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the database page by page
inside a read transaction, so the copy is a consistent snapshot even while the web app and
the worker write (a plain ``cp`` of a WAL database can catch half a transaction).
PostgreSQL: ``pg_dump`` in its custom format (consistent by itself: it reads in one
repeatable-read transaction) and ``pg_restore --clean --if-exists --single-transaction``,
which replaces every object of the dump or changes nothing.

Restoring overwrites the database: stop the web processes and workers first (operations
guide: docs/operations.md, "Backups").
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class TableSummary:
    rows: int
    digest: str  # of every row, in primary-key order: equal digests, equal contents


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _copy_sqlite(source: Path, destination: Path) -> None:
    """Copy one SQLite database into another with the online backup API."""
    with sqlite3.connect(source) as reader, sqlite3.connect(destination) as writer:
        reader.backup(writer)
    reader.close()
    writer.close()


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, and an environment holding the password.

    The password goes through ``PGPASSWORD``, not the command line, where any user of the
    machine could read it. A ``search_path`` in the URL's options (how the test suite gives
    each test a schema) limits the dump to that schema.
    """
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or "postgres"]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    options = url.query.get("options")
    option_text = " ".join(options) if isinstance(options, tuple) else (options or "")
    for part in unquote(option_text).split():
        if part.startswith("-csearch_path="):
            args += ["--schema", part.split("=", 1)[1].split(",")[0]]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    # A fixed program and arguments from the configuration, no shell: nothing to inject.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def create_backup(database_url: str, destination: Path) -> Path:
    """Write a backup of the database at ``database_url`` to ``destination``."""
    url = make_url(database_url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        if destination.exists():
            raise BackupError(f"{destination} exists already")
        _copy_sqlite(_sqlite_path(url), destination)
    elif url.get_backend_name() == "postgresql":
        args, env = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(destination), *args], env)
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")
    return destination


def restore_backup(database_url: str, source: Path) -> None:
    """Replace the database at ``database_url`` with the backup in ``source``."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _check_sqlite_file(source)
        _copy_sqlite(source, _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        args, env = _libpq(url)
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _run([*command, *args, str(source)], env)
    else:
        raise BackupError(f"no restore method for {url.get_backend_name()}")


def _check_sqlite_file(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}") from error
    if verdict != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {verdict}")


def summarise(engine: Engine) -> dict[str, TableSummary]:
    """Rows and a content digest of every table the app defines (to compare two databases)."""
    from portal.extensions import db

    summary: dict[str, TableSummary] = {}
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            rows = 0
            for row in conn.execute(sa.select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                rows += 1
            summary[table.name] = TableSummary(rows=rows, digest=digest.hexdigest())
    return summary
