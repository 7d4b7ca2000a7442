"""Retention: finished rows lose their context after a while, but keep their idempotency key."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.mail import enqueue_email
from portal.mail.retention import apply_retention
from portal.models import MailboxMessage, MailCategory, OutboxMessage
from portal.models.types import utcnow
from tests.fixtures.mail import queue


def _age(app, address: str, *, days: float, status: str) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.to_address == address)
            .values(created_at=utcnow() - timedelta(days=days), status=status)
        )
        db.session.commit()


def _row(app, address: str) -> OutboxMessage:
    with app.app_context():
        row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == address))
        db.session.expunge(row)
        return row


def test_finished_rows_are_scrubbed_after_their_category_period(app):
    queue(app, 3, prefix="account")  # transactional: scrubbed after 1 day
    queue(app, 2, prefix="news", category=MailCategory.NEWSLETTER)  # after 30 days
    _age(app, "account0@example.com", days=2, status="sent")
    _age(app, "account1@example.com", days=2, status="pending")  # not finished: kept
    _age(app, "account2@example.com", days=0.5, status="sent")  # too recent
    _age(app, "news0@example.com", days=31, status="suppressed")
    _age(app, "news1@example.com", days=10, status="sent")

    with app.app_context(), db.engine.connect() as conn:
        report = apply_retention(app, conn, now=utcnow())
    assert report.scrubbed == 2

    assert _row(app, "account0@example.com").context == {}
    assert _row(app, "account0@example.com").scrubbed_at is not None
    assert _row(app, "news0@example.com").context == {}
    for kept in ("account1@example.com", "account2@example.com", "news1@example.com"):
        assert _row(app, kept).context["link"] == "https://massageworks.example/x"
        assert _row(app, kept).scrubbed_at is None

    with app.app_context(), db.engine.connect() as conn:
        assert apply_retention(app, conn, now=utcnow()).scrubbed == 0  # idempotent


def test_a_scrubbed_row_still_stops_a_second_send(app):
    queue(app, 1, prefix="once", idempotency_key="reset:42")
    _age(app, "once0@example.com", days=5, status="sent")
    with app.app_context(), db.engine.connect() as conn:
        apply_retention(app, conn, now=utcnow())
    with app.app_context():
        again = enqueue_email(
            to="once0@example.com",
            subject="Again",
            template="invite",
            context={"name": "x", "link": "https://massageworks.example/y"},
            idempotency_key="reset:42",
        )
        db.session.commit()
        assert again.status == "sent"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_old_development_mailbox_messages_are_deleted(app):
    with app.app_context():
        db.session.add_all(
            [
                MailboxMessage(
                    to_address="old@example.com",
                    subject="old",
                    raw=b"x",
                    created_at=utcnow() - timedelta(days=40),
                ),
                MailboxMessage(to_address="new@example.com", subject="new", raw=b"x"),
            ]
        )
        db.session.commit()
        with db.engine.connect() as conn:
            assert apply_retention(app, conn, now=utcnow()).mailbox_deleted == 1
        assert [m.to_address for m in db.session.scalars(sa.select(MailboxMessage))] == [
            "new@example.com"
        ]


def test_a_scrubbed_failed_row_cannot_be_retried(app, client, auth):
    queue(app, 1, prefix="lost")
    _age(app, "lost0@example.com", days=3, status="failed")
    with app.app_context(), db.engine.connect() as conn:
        apply_retention(app, conn, now=utcnow())
    assert _row(app, "lost0@example.com").can_retry is False
    auth.login_staff()
    row_id = _row(app, "lost0@example.com").id
    response = client.post(f"/staff/mail/log/{row_id}/retry", follow_redirects=True)
    assert "content was erased after the retention period" in response.get_data(as_text=True)
    assert _row(app, "lost0@example.com").status == "failed"
