"""Putting mail in the outbox: idempotent, validated, and a worker is asked after commit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mail import enqueue_email
from portal.mail.claim import claim_batch
from portal.mail.queue import mail_queue
from portal.models import MailCategory, OutboxMessage
from portal.models.types import utcnow
from tests.conftest import make_test_app
from tests.fixtures.mail import deliver, queue, rows


def test_enqueueing_twice_with_one_key_sends_once(smtp_app, smtp_server):
    queue(smtp_app, 1)
    queue(smtp_app, 1)  # same idempotency key, e.g. a double-clicked form
    with smtp_app.app_context():
        first = enqueue_email(
            to="other@example.com",
            subject="Different",
            template="invite",
            idempotency_key="test:runner0@example.com:transactional",
        )
        assert first.to_address == "runner0@example.com"  # the existing row, unchanged
        db.session.commit()

    deliver(smtp_app)
    deliver(smtp_app)

    assert len(rows(smtp_app)) == 1
    assert [m.recipients for m in smtp_server.messages] == [["runner0@example.com"]]


def test_a_key_inserted_concurrently_returns_the_winner_and_keeps_the_transaction(app):
    other = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.app_context():
        enqueue_email(to="a@example.com", subject="S", template="invite", idempotency_key="k")
        db.session.commit()
        db.engine.dispose()
    with app.app_context():
        # Simulate the race: our check saw nothing, the insert hits the unique constraint.
        from unittest import mock

        with mock.patch.object(db.session, "scalar", return_value=None):
            winner = enqueue_email(
                to="b@example.com", subject="S", template="invite", idempotency_key="k"
            )
        assert winner.to_address == "a@example.com"
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"to": "two@example.com, three@example.com"}, "not a single plain email address"),
        ({"to": "x@example.com\r\nRCPT TO:<y@example.com>"}, "not a single plain email address"),
        ({"to": "no-at-sign"}, "not a single plain email address"),
        ({"template": "no_such_template"}, "no template email/no_such_template.txt"),
        ({"headers": {"Bcc": "x@example.com"}}, "cannot be set per message"),
        ({"headers": {"Bad Header": "x"}}, "cannot be set per message"),
        ({"category": "marketing"}, "is not a valid MailCategory"),
    ],
)
def test_bad_messages_are_refused_at_enqueue(app, fields, problem):
    values = {"to": "a@example.com", "subject": "S", "template": "invite", "idempotency_key": "k"}
    with app.app_context():
        with pytest.raises(ValueError, match=problem):
            enqueue_email(**{**values, **fields})
        db.session.rollback()
    assert rows(app) == []


def test_newsletter_rows_wait_behind_transactional_ones(app):
    queue(app, 3, prefix="campaign", category=MailCategory.NEWSLETTER)
    queue(app, 1, prefix="reset")
    with app.app_context(), db.engine.connect() as conn:
        claimed = claim_batch(conn, owner="t", limit=1, now=utcnow(), lease=timedelta(minutes=1))
    assert [row.to_address for row in claimed] == ["reset0@example.com"]


def _queued_tasks(app) -> int:
    with app.app_context():
        return mail_queue(app).huey.pending_count()


def test_a_commit_that_queued_mail_asks_a_worker_once_and_a_rollback_does_not(
    database_url, tmp_path
):
    # The real queue: SqliteHuey here, RedisHuey when the suite runs with REDIS_URL.
    app = make_test_app(
        database_url,
        HUEY_IMMEDIATE=False,
        HUEY_NAME=f"test-{uuid.uuid4().hex[:12]}",
        HUEY_SQLITE_PATH=str(tmp_path / "tasks.sqlite"),
    )
    with app.app_context():
        db.create_all()
        try:
            enqueue_email(to="a@example.com", subject="S", template="invite", idempotency_key="1")
            enqueue_email(to="b@example.com", subject="S", template="invite", idempotency_key="2")
            db.session.commit()
            assert _queued_tasks(app) == 1

            enqueue_email(to="c@example.com", subject="S", template="invite", idempotency_key="3")
            db.session.rollback()
            db.session.commit()
            assert _queued_tasks(app) == 1
        finally:
            mail_queue(app).huey.flush()
            db.session.remove()
            db.engine.dispose()
