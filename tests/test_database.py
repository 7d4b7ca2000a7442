"""Transactions behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import fcntl
import os

import pytest
import sqlalchemy as sa

from portal.core.database import sqlite_writer_turn
from portal.extensions import db
from portal.mail import enqueue_email
from portal.models import OutboxMessage, User
from tests.conftest import make_test_app


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_savepoint_is_undone_by_the_outer_rollback(app):
    with app.app_context():
        db.session.scalar(sa.select(User.id))  # a read first, as services do
        with db.session.begin_nested():
            db.session.add(User(email="nested@example.com", name="N", role="client"))
        db.session.rollback()
        assert _count(User) == 0


def test_an_email_queued_in_a_rolled_back_transaction_is_never_sent(app):
    """The outbox row and the change that caused it commit together or not at all."""
    with app.app_context():
        db.session.add(User(email="cause@example.com", name="C", role="client"))
        enqueue_email(
            to="cause@example.com",
            subject="Hello",
            template="invite",
            context={"name": "C", "link": "https://example.test/x", "role": "client"},
            idempotency_key="rollback-test",
        )
        db.session.rollback()
        assert _count(OutboxMessage) == 0
        assert _count(User) == 0


def test_a_savepoint_that_fails_leaves_the_outer_transaction_usable(app, make_user):
    make_user("taken@example.com")
    with app.app_context():
        db.session.add(User(email="kept@example.com", name="K", role="client"))
        try:
            with db.session.begin_nested():
                db.session.add(User(email="taken@example.com", name="T", role="client"))
        except sa.exc.IntegrityError:
            pass
        db.session.commit()
        emails = set(db.session.scalars(sa.select(User.email)))
        assert emails == {"taken@example.com", "kept@example.com"}


def test_sqlite_writers_take_turns_on_a_lock_beside_the_database(tmp_path):
    """While one sending process writes, another process's turn waits (``flock``)."""
    application = make_test_app(f"sqlite:///{tmp_path / 'turns.sqlite'}")
    lock_file = tmp_path / "turns.sqlite-writers.lock"

    def try_lock() -> None:  # as another process would
        other = os.open(lock_file, os.O_RDWR)
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)

    with application.app_context(), db.engine.connect() as conn:
        with sqlite_writer_turn(conn), pytest.raises(BlockingIOError):
            try_lock()
        try_lock()  # free once the turn is over
    with application.app_context():
        db.engine.dispose()
