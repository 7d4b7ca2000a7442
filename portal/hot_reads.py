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
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from flask import Flask, g
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import PoolProxiedConnection

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
        connection = _connection(engine)
        cursor = None
        try:
            cursor = connection.cursor()
            if engine.dispatch.before_cursor_execute:
                for listener in engine.dispatch.before_cursor_execute:
                    listener(None, cursor, prepared.sql, parameters, None, False)
            cursor.execute(prepared.sql, parameters)
            fetched = [cursor.fetchone()] if one else cursor.fetchall()
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, connection.driver_connection, cursor):
                connection.invalidate(error)
            release()
            raise sa.exc.DBAPIError.instance(
                prepared.sql, parameters, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
        finally:
            if cursor is not None:
                cursor.close()
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


def _plain(processors: Mapping[str, Any]) -> dict[str, Callable[[Any], Any]]:
    """The bind processors, one function per parameter (tuple parameters, which have a
    sequence of them, are not used by hot reads)."""
    if not all(callable(process) for process in processors.values()):
        raise NotImplementedError("a hot read cannot take tuple parameters")
    return dict(processors)


def _connection(engine: Engine) -> PoolProxiedConnection:
    """The request's (or app context's) connection for hot reads: taken from the pool at
    the first read and given back when the context ends (``release``), so the three reads
    of a signed-in article page cost one checkout."""
    held = g.get("_hot_reads")
    if held is not None and held[0] is engine:
        return held[1]
    release()
    connection = engine.raw_connection()
    if engine.dialect.name == "postgresql":
        connection.driver_connection.autocommit = True  # type: ignore[union-attr]
    g._hot_reads = (engine, connection)
    return connection


def release(_error: BaseException | None = None) -> None:
    """Give the context's connection back to the pool (at the end of every app context)."""
    held = g.pop("_hot_reads", None)
    if held is None:
        return
    engine, connection = held
    if engine.dialect.name == "postgresql" and connection.is_valid:
        connection.driver_connection.autocommit = False
    connection.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(release)
