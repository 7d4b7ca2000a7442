"""Reads on the pool's DBAPI connection (``portal.hot_reads``) give what the Core gives, on
SQLite and PostgreSQL, and leave the pool and the ORM session as they found them."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import g

from portal import hot_reads
from portal.extensions import db
from portal.hot_reads import HotRead
from portal.models import User
from tests.conftest import sign_in

USERS = User.__table__
BY_EMAIL = HotRead(
    sa.select(
        USERS.c.id,
        USERS.c.created_at,
        USERS.c.is_active_account,
        (sa.literal("x:") + USERS.c.name).label("tagged"),
    ).where(USERS.c.email == sa.bindparam("email"))
)
SINCE = HotRead(
    sa.select(USERS.c.email)
    .where(USERS.c.created_at > sa.bindparam("since", type_=USERS.c.created_at.type))
    .order_by(USERS.c.email)
)


def test_rows_come_back_as_the_core_gives_them(app, make_user):
    make_user("ada@example.com", name="Ada")
    make_user("bo@example.com", name="Bo")
    with app.app_context():
        core = db.session.execute(BY_EMAIL.statement, {"email": "ada@example.com"}).one()
        hot = BY_EMAIL.first(email="ada@example.com")
        assert tuple(hot) == tuple(core)
        assert isinstance(hot.created_at, datetime) and hot.created_at.tzinfo is not None
        assert hot.is_active_account is True and hot.tagged == "x:Ada"
        assert BY_EMAIL.first(email="nobody@example.com") is None
        # bind processors too: an aware datetime parameter
        earlier = hot.created_at.replace(year=2000)
        assert [row.email for row in SINCE.all(since=earlier)] == [
            "ada@example.com",
            "bo@example.com",
        ]


def test_reads_are_counted_and_share_one_connection_per_context(app, make_user, count_queries):
    make_user("ada@example.com")
    with app.app_context():
        engine = db.engine
        checkouts: list[object] = []
        sa.event.listen(engine.pool, "checkout", lambda *args: checkouts.append(args))
        with count_queries() as log:
            for _ in range(3):
                assert BY_EMAIL.first(email="ada@example.com") is not None
        assert log.count == 3
        assert len(checkouts) == 1
        assert engine.pool.checkedout() == 1
    # the context ended: the connection is back in the pool
    assert engine.pool.checkedout() == 0


def test_a_database_error_is_sqlalchemys_and_the_next_read_works(app, make_user):
    make_user("ada@example.com")
    broken = HotRead(sa.select(sa.column("nope")).select_from(sa.table("no_such_table")))
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError):
            broken.first()
        assert BY_EMAIL.first(email="ada@example.com") is not None


def test_postgresql_connection_returns_to_the_pool_outside_autocommit(app, make_user):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    make_user("ada@example.com")
    with app.app_context():
        BY_EMAIL.first(email="ada@example.com")
        driver = g._hot_reads[1].driver_connection
        assert driver.autocommit is True
    assert driver.autocommit is False
    assert driver.info.transaction_status == 0  # IDLE: nothing left open


def test_a_cached_client_page_opens_no_orm_session(app, make_user, orm_sessions_created):
    """The signed-in person joins the ORM session only when the request uses one: a page
    served from the cache needs none; a change to the person is still saved."""
    make_user("rosa@example.com", name="Rosa")
    client = app.test_client()
    sign_in(client, "rosa@example.com")
    assert client.get("/portal/").status_code == 200  # rendered and cached
    created = orm_sessions_created()
    page = client.get("/portal/")
    assert page.status_code == 200 and "Rosa" in page.get_data(as_text=True)
    assert created == []

    changed = client.post("/account/name", data={"name-name": "Rosa Ruiz"})
    assert changed.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.name).where(User.email == "rosa@example.com")) == (
            "Rosa Ruiz"
        )


def _own_connection(app):
    with app.app_context():
        found = hot_reads._own.get(db.engine)
    return None if found is None else found[1]


def test_one_request_at_a_time_keeps_one_connection_out_of_the_pool(app, make_user):
    """Under a server that runs one request at a time per process (``wsgi.multithread``
    false, as gunicorn's sync workers say), hot reads skip the pool: no checkout per
    request, the same connection each time, closed with the engine."""
    make_user("rosa@example.com")
    client = app.test_client()
    sign_in(client, "rosa@example.com")
    with app.app_context():
        engine = db.engine
    checkouts: list[object] = []
    sa.event.listen(engine.pool, "checkout", lambda *args: checkouts.append(args))
    client.get("/portal/")  # rendered and cached: the ORM session checks out, once
    checkouts.clear()
    for _ in range(3):
        page = client.get("/portal/", environ_overrides={"wsgi.multithread": False})
        assert page.status_code == 200
    assert checkouts == []  # the person was read three times, on the own connection
    own = _own_connection(app)
    assert own is not None and own.dbapi_connection is not None
    assert engine.pool.checkedout() == 0

    engine.dispose()
    assert _own_connection(app) is None
    assert own.dbapi_connection is None  # closed, not left to the garbage collector


def test_threaded_servers_take_a_pooled_connection_per_request(app, make_user):
    make_user("rosa@example.com")
    client = app.test_client()
    sign_in(client, "rosa@example.com")
    client.get("/portal/", environ_overrides={"wsgi.multithread": True})  # rendered, cached
    with app.app_context():
        engine = db.engine
    checkouts: list[object] = []
    sa.event.listen(engine.pool, "checkout", lambda *args: checkouts.append(args))
    for _ in range(2):
        page = client.get("/portal/", environ_overrides={"wsgi.multithread": True})
        assert page.status_code == 200
    assert len(checkouts) == 2  # one per request: the person read on a pooled connection
    assert engine.pool.checkedout() == 0


def test_a_connection_from_before_a_fork_is_never_used(app, make_user, monkeypatch):
    make_user("rosa@example.com")
    client = app.test_client()
    sign_in(client, "rosa@example.com")
    client.get("/portal/")
    parent = _own_connection(app)
    assert parent is not None
    monkeypatch.setattr(hot_reads.os, "getpid", lambda: -1)  # now a child process
    assert client.get("/portal/").status_code == 200
    child = _own_connection(app)
    assert child is not None and child is not parent
    assert parent in hot_reads._inherited and parent.dbapi_connection is not None  # not closed


def test_a_dropped_own_connection_is_replaced_and_the_read_retried(app, make_user):
    """What the pool's pre-ping did: a connection the database dropped (a restart, an idle
    timeout) costs the reader nothing."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    make_user("rosa@example.com", name="Rosa")
    client = app.test_client()
    sign_in(client, "rosa@example.com")
    client.get("/portal/")
    first = _own_connection(app)
    pid = first.dbapi_connection.info.backend_pid
    with app.app_context():
        db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        db.session.commit()
    page = client.get("/portal/")
    assert page.status_code == 200 and "Rosa" in page.get_data(as_text=True)
    second = _own_connection(app)
    assert second is not first and second.dbapi_connection.info.backend_pid != pid
