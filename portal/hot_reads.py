"""Reads that run on nearly every request, on the pool's DBAPI connection.

A few statements run on almost every page: the signed-in person with the versions of their
cached pages (``portal.auth.session``), an article's head row with its version and the
reader's still editable comments (``portal.blog.pages``). Through SQLAlchemy's Core, one
of them cost about 125 µs of CPU on this machine, the database's own work under 30 of
them (measured, docs/portal.md): the connection wrapper, the execution context and the
result object around one row. On a page served from the cache, that was most of what the
page cost beyond Flask itself.

``HotRead`` compiles its statement once per dialect and runs it on a pooled DBAPI
connection, with the bind and result processors the Core would apply (so dates come back
as aware datetimes, booleans as booleans). Errors come out as SQLAlchemy's exceptions, a
dropped connection is invalidated as the Core would, and the engine's cursor events still
fire, so statement counts in tests and logs see these reads. Everything else stays on the
ORM session or the Core.

The reads of one request share one pooled connection, given back when the request ends. No
transaction is held on it: SQLite's driver begins none for a SELECT; on PostgreSQL the
connection is in autocommit while it serves these reads (a client-side switch, no round
trip), so handing it back to the pool needs no ROLLBACK either.

Under a server that runs one request at a time per process (gunicorn's sync workers say so
with ``wsgi.multithread`` false), hot reads keep a connection of their own for the life of
the process instead: no pool checkout, check-in or pre-ping per request (the pre-ping alone
was a round trip to PostgreSQL on every page). It is taken out of the pool (``detach``), in
autocommit on PostgreSQL for good, opened lazily in the process that uses it (never across
a fork), closed when the engine is disposed, and replaced once, with the read retried, when
the database dropped it: what the pre-ping did, for a statement that only reads. Threaded
servers (the development server, gthread) keep the per-request checkout: their threads come
and go, and a connection per thread would outlive them.
"""

from __future__ import annotations

import os
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import PoolProxiedConnection, QueuePool

from portal.extensions import db


@dataclass(frozen=True)
class _Prepared:
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order, for qmark drivers
    defaults: dict[str, Any]  # literal values compiled into the statement
    bind_processors: dict[str, Callable[[Any], Any]]
    result_processors: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, values: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        merged = {**self.defaults, **values}
        for name, process in self.bind_processors.items():
            if name in merged:
                merged[name] = process(merged[name])
        if self.positional is not None:
            return tuple(merged[name] for name in self.positional)
        return merged


class HotRead:
    """A SELECT run often: ``first(**params)`` or ``all(**params)`` give rows with the
    statement's column names as attributes."""

    def __init__(self, statement: sa.Select[Any] | Callable[[], sa.Select[Any]]) -> None:
        self._statement = statement
        self._prepared: dict[tuple[str, str], _Prepared] = {}

    @cached_property
    def statement(self) -> sa.Select[Any]:
        """Built on first use when given as a function (after every feature registered
        what it adds to the statement)."""
        given = self._statement
        return given if isinstance(given, sa.Select) else given()

    @cached_property
    def row_type(self) -> type[tuple[Any, ...]]:
        names = [str(column.key) for column in self.statement.selected_columns]
        return namedtuple("HotRow", names, rename=True)  # noqa: PYI024

    def first(self, **params: Any) -> Any | None:
        rows = self._run(params, one=True)
        return rows[0] if rows else None

    def all(self, **params: Any) -> list[Any]:
        return self._run(params, one=False)

    def _prepare(self, dialect: Dialect) -> _Prepared:
        key = (dialect.name, dialect.driver)
        found = self._prepared.get(key)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            found = _Prepared(
                sql=compiled.string,
                positional=tuple(compiled.positiontup or ()) if dialect.positional else None,
                defaults=dict(compiled.construct_params(_check=False)),
                bind_processors=_plain(compiled._bind_processors),
                result_processors=tuple(
                    column.type._cached_result_processor(dialect, None)
                    for column in self.statement.selected_columns
                ),
            )
            self._prepared[key] = found
        return found

    def _run(self, params: dict[str, Any], *, one: bool) -> list[Any]:
        engine: Engine = db.engine
        dialect = engine.dialect
        prepared = self._prepare(dialect)
        parameters = prepared.parameters(params)
        try:
            fetched = _execute(engine, prepared.sql, parameters, one=one)
        except _Dropped:  # the process's own connection was dropped: once more, on a new one
            fetched = _execute(engine, prepared.sql, parameters, one=one, may_retry=False)
        processors = prepared.result_processors
        make = self.row_type
        return [
            make(
                *(
                    value if process is None else process(value)
                    for process, value in zip(processors, row, strict=True)
                )
            )
            for row in fetched
            if row is not None
        ]


class _Dropped(Exception):
    """The process's own connection was found dropped (and has been let go)."""


def _execute(
    engine: Engine, sql: str, parameters: Any, *, one: bool, may_retry: bool = True
) -> list[Any]:
    dialect = engine.dialect
    connection, owned = _connection(engine)
    cursor = None
    try:
        cursor = connection.cursor()
        if engine.dispatch.before_cursor_execute:
            for listener in engine.dispatch.before_cursor_execute:
                listener(None, cursor, sql, parameters, None, False)
        cursor.execute(sql, parameters)
        return [cursor.fetchone()] if one else list(cursor.fetchall())
    except dialect.loaded_dbapi.Error as error:
        dropped = dialect.is_disconnect(error, connection.dbapi_connection, cursor)
        if cursor is not None:
            with suppress(dialect.loaded_dbapi.Error):
                cursor.close()
            cursor = None
        if dropped and not owned:
            connection.invalidate(error)
        release()
        if owned:  # let go of it whatever went wrong: the next read opens a fresh one
            _let_go(engine)
            if dropped and may_retry:
                raise _Dropped from error
        raise sa.exc.DBAPIError.instance(
            sql, parameters, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    finally:
        if cursor is not None:
            cursor.close()


def _plain(processors: Mapping[str, Any]) -> dict[str, Callable[[Any], Any]]:
    """The bind processors, one function per parameter (tuple parameters, which have a
    sequence of them, are not used by hot reads)."""
    if not all(callable(process) for process in processors.values()):
        raise NotImplementedError("a hot read cannot take tuple parameters")
    return dict(processors)


def _connection(engine: Engine) -> tuple[PoolProxiedConnection, bool]:
    """The connection for this context's hot reads, and whether it is the process's own.

    A pooled one is taken at the first read and given back when the context ends
    (``release``), so the three reads of a signed-in article page cost one checkout.
    """
    held = g.get("_hot_reads")
    if held is not None and held[0] is engine:
        return held[1], held[2]
    release()
    if _one_request_at_a_time() and isinstance(engine.pool, QueuePool):
        connection = _own_connection(engine)
        g._hot_reads = (engine, connection, True)
        return connection, True
    connection = engine.raw_connection()
    if engine.dialect.name == "postgresql":
        connection.driver_connection.autocommit = True  # type: ignore[union-attr]
    g._hot_reads = (engine, connection, False)
    return connection, False


def _one_request_at_a_time() -> bool:
    """Whether the server promised this process runs one request at a time (WSGI's
    ``wsgi.multithread``); outside a request (a CLI command, a worker) nothing is promised."""
    return has_request_context() and request.environ.get("wsgi.multithread") is False


# engine -> (process id, connection): the process's own connection per engine.
_own: weakref.WeakKeyDictionary[Engine, tuple[int, PoolProxiedConnection]] = (
    weakref.WeakKeyDictionary()
)
_inherited: list[PoolProxiedConnection] = []  # from a parent process: never used nor closed


def _own_connection(engine: Engine) -> PoolProxiedConnection:
    found = _own.get(engine)
    if found is not None:
        pid, connection = found
        if pid == os.getpid():
            return connection
        # Opened before a fork: its socket is the parent's. Closing it here would end the
        # parent's session too, so it is only kept out of the garbage collector's way.
        _inherited.append(connection)
    connection = engine.raw_connection()
    if engine.dialect.name == "postgresql":
        connection.driver_connection.autocommit = True  # type: ignore[union-attr]
    connection.detach()  # out of the pool: kept open across requests, closed by _let_go
    if not sa.event.contains(engine, "engine_disposed", _let_go):
        sa.event.listen(engine, "engine_disposed", _let_go)
    _own[engine] = (os.getpid(), connection)
    return connection


def _let_go(engine: Engine) -> None:
    """Close the process's own connection to ``engine`` (disposed, or found broken)."""
    found = _own.pop(engine, None)
    if found is None:
        return
    pid, connection = found
    if pid != os.getpid():
        _inherited.append(connection)
        return
    with suppress(Exception):  # already broken: nothing left to close
        connection.close()


def release(_error: BaseException | None = None) -> None:
    """Give the context's connection back to the pool (at the end of every app context);
    the process's own connection stays open."""
    held = g.pop("_hot_reads", None)
    if held is None:
        return
    engine, connection, owned = held
    if owned:
        return
    if engine.dialect.name == "postgresql" and connection.is_valid:
        connection.driver_connection.autocommit = False
    connection.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(release)
