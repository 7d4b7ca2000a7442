"""Reads on the pool's DBAPI connection (``portal.hot_reads``) give what the Core gives, on
SQLite and PostgreSQL, and leave the pool and the ORM session as they found them."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import g

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
