"""Rendered parts of pages, kept per web process and keyed by version numbers in the database.

Why this is exact across processes: every change that alters what a cached part shows bumps
a version number in the same transaction, and a request reads the version numbers *before*
it reads anything else. A process that rendered version 7 never finds version 8 in its
cache, so it renders afresh; no message between processes is needed, and nothing is shown
from the cache after a change has been committed. (A part rendered from newer data than the
version it is filed under can happen when a change commits between the two reads; it is
correct data and the next version replaces it.)

Versions live in ``render_versions`` (one row per *scope*: ``client:12`` for one client's
records, ``global`` for what every page shows alike: practice settings, booking rules, staff
names, article titles). They are bumped by the ORM itself: features say which of their
models matter to which scopes (``track``), and an ``after_flush`` hook bumps those scopes
whenever such an object is added, changed or deleted, in the flush's own transaction.
Bulk statements (``sa.update``) bypass the ORM; code that changes tracked data that way
calls ``bump`` itself.

The article pages of the blog keep their own version column (``posts.version``) and use the
same ``VersionedCache``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from portal.core.database import is_sqlite
from portal.models.render import RenderVersion
from portal.models.types import table_of

GLOBAL = "global"
MAX_ENTRIES = 4096

versions_table = table_of(RenderVersion)


class VersionedCache:
    """Values per key, each kept with the version it was made for; bounded, LRU."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Any, tuple[Any, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: Any, version: Any) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Any, version: Any, value: object) -> None:
        with self._lock:
            current = self._entries.get(key)
            if current is not None and current[0] > version:
                return  # a slower request rendered an older version: keep the newer one
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def client_scope(client_id: int) -> str:
    return f"client:{client_id}"


# Scopes that a signed-in person's own pages also depend on, from other features (the
# newsletter: their subscription), so a page can read them without knowing those features.
# Each comes with the same scope as an SQL expression over the ``users`` table, so that the
# versions can be read in the statement that loads the signed-in person.
ScopeOfPerson = Callable[[Any], str]
ScopeOfPersonSql = Callable[[sa.Table], sa.ColumnElement[str]]
_person_scopes: list[tuple[ScopeOfPerson, ScopeOfPersonSql]] = []


def person_scope(sql: ScopeOfPersonSql) -> Callable[[ScopeOfPerson], ScopeOfPerson]:
    """Register ``scope_of(user)``: a scope that this person's pages show; ``sql(users)`` is
    the same scope computed from a row of the ``users`` table."""

    def register(scope_of: ScopeOfPerson) -> ScopeOfPerson:
        _person_scopes.append((scope_of, sql))
        return scope_of

    return register


def own_scopes(user: Any) -> list[str]:
    """The scopes of a person's own pages, in this order: their records (``client:<id>``),
    what every page shows, then the other features' scopes for them."""
    return [client_scope(user.id), GLOBAL, *(scope_of(user) for scope_of, _sql in _person_scopes)]


def own_versions_columns(users: sa.Table) -> list[sa.ScalarSelect[Any]]:
    """The versions of ``own_scopes`` of the person in a row of ``users``, as scalar
    subqueries (NULL for a scope never bumped), in the same order."""
    scopes: list[sa.ColumnElement[str]] = [
        sa.literal("client:") + sa.cast(users.c.id, sa.String),
        sa.literal(GLOBAL),
        *(sql(users) for _scope_of, sql in _person_scopes),
    ]
    return [
        sa.select(versions_table.c.version).where(versions_table.c.scope == scope).scalar_subquery()
        for scope in scopes
    ]


# --- bumping ---------------------------------------------------------------------------------

ScopesOf = Callable[[Any], Iterable[str]]
_tracked: dict[type[Any], tuple[ScopesOf, frozenset[str] | None]] = {}


def track(
    model: type[Any], scopes_of: ScopesOf, *, attributes: Iterable[str] | None = None
) -> None:
    """Bump ``scopes_of(obj)`` whenever an object of ``model`` is added, deleted, or changed
    (in one of ``attributes``, when given: other columns do not show on cached parts)."""
    _tracked[model] = (scopes_of, frozenset(attributes) if attributes is not None else None)


def _changed(obj: Any, attributes: frozenset[str] | None) -> bool:
    state = sa.inspect(obj)
    names = attributes if attributes is not None else state.mapper.attrs.keys()
    return any(state.attrs[name].history.has_changes() for name in names)


def _scopes_to_bump(session: so.Session) -> set[str]:
    scopes: set[str] = set()
    for obj in (*session.new, *session.deleted):
        entry = _tracked.get(type(obj))
        if entry is not None:
            scopes.update(entry[0](obj))
    for obj in session.dirty:
        entry = _tracked.get(type(obj))
        if entry is not None and _changed(obj, entry[1]):
            scopes.update(entry[0](obj))
    return scopes


def bump(session: so.Session | so.scoped_session[Any], scopes: Iterable[str]) -> None:
    """Add one to each scope's version (created at 1), in the session's transaction."""
    insert = sqlite.insert if is_sqlite(session.get_bind()) else postgresql.insert
    for scope in sorted(set(scopes)):  # a fixed order: concurrent bumps cannot deadlock
        statement = insert(versions_table).values(scope=scope, version=1)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[versions_table.c.scope],
                set_={"version": versions_table.c.version + 1},
            )
        )


def bump_selected(session: so.Session | so.scoped_session[Any], scopes: sa.Select[Any]) -> None:
    """Bump every scope ``scopes`` selects (one column of scope names): for bulk changes."""
    insert = sqlite.insert if is_sqlite(session.get_bind()) else postgresql.insert
    chosen = scopes.distinct().subquery()
    source = sa.select(chosen.c[0], sa.literal(1, sa.BigInteger)).where(sa.true())
    statement = insert(versions_table).from_select(["scope", "version"], source)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[versions_table.c.scope],
            set_={"version": versions_table.c.version + 1},
        )
    )


def _bump_tracked(session: so.Session, _context: object) -> None:
    """After the flush's statements, so that keys set through relationships are known (a new
    session's ``client_id`` is only filled in by the flush); the lists of new, changed and
    deleted objects and their attributes' history still describe what the flush wrote."""
    scopes = _scopes_to_bump(session)
    if scopes:
        bump(session, scopes)


def listen() -> None:
    """Hook every ORM session once (the scopes come from the models features track)."""
    if not sa.event.contains(so.Session, "after_flush", _bump_tracked):
        sa.event.listen(so.Session, "after_flush", _bump_tracked)


# --- reading ---------------------------------------------------------------------------------


def versions(
    connection: sa.Connection | so.Session | so.scoped_session[Any], scopes: list[str]
) -> tuple[int, ...]:
    """The versions of ``scopes``, in order (0 for a scope never bumped): one query."""
    rows = dict(
        connection.execute(
            sa.select(versions_table.c.scope, versions_table.c.version).where(
                versions_table.c.scope.in_(scopes)
            )
        ).all()
    )
    return tuple(int(rows.get(scope, 0)) for scope in scopes)
