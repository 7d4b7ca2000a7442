"""Account and confirmation emails go ahead of a campaign that is being sent, with a real
worker at a paced rate and production batch and lease sizes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import MailCategory, MailPriority, OutboxMessage
from portal.models.types import utcnow
from tests.fixtures.mail import queue, status_counts, wait_until

pytestmark = pytest.mark.slow

CAMPAIGN = 20_000
CONFIRMATIONS = 20


def _queue_campaign(app, count: int) -> None:  # type: ignore[no-untyped-def]
    """``count`` newsletter rows in one statement (as queueing a campaign writes them)."""
    now = utcnow() - timedelta(seconds=1)
    with app.app_context():
        db.session.execute(
            sa.insert(OutboxMessage),
            [
                {
                    "idempotency_key": f"campaign:1:{number}",
                    "category": MailCategory.NEWSLETTER.value,
                    "priority": MailPriority.NEWSLETTER.value,
                    "to_address": f"reader{number}@example.com",
                    "subject": "Autumn marathon clinic",
                    "template": "invite",
                    "context": {"name": "A Reader", "link": "https://massageworks.example/x"},
                    "headers": {},
                    "message_id": f"<campaign-1-{number}@massageworks.example>",
                    "mailing": "campaign:1",
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for number in range(count)
            ],
        )
        db.session.commit()


def _latencies(app) -> list[float]:  # type: ignore[no-untyped-def]
    """Queued → sent, in seconds, of every transactional message (the outbox's own times)."""
    with app.app_context():
        found = db.session.execute(
            sa.select(OutboxMessage.created_at, OutboxMessage.sent_at).where(
                OutboxMessage.category == MailCategory.TRANSACTIONAL.value
            )
        ).all()
        db.session.rollback()
    return sorted((sent - created).total_seconds() for created, sent in found)


def _transactional_sent(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).where(
                OutboxMessage.category == MailCategory.TRANSACTIONAL.value,
                OutboxMessage.status == "sent",
            )
        )
        db.session.rollback()
    return count or 0


def test_confirmations_go_ahead_of_a_20000_message_campaign(app, smtp_server, worker_processes):
    """p95 of queued → sent under 2 s while the campaign sends at 100 emails a second."""
    worker_processes.env.update({"MAIL_BATCH_SIZE": "200", "MAIL_LEASE_SECONDS": "120"})
    _queue_campaign(app, CAMPAIGN)
    worker = worker_processes.start(workers=3, rate=100)
    worker_processes.request_delivery()
    wait_until(lambda: len(smtp_server.messages) >= 200, 60, "the campaign did not start")

    for number in range(CONFIRMATIONS):  # one every 0.3 s, as people subscribe
        queue(app, 1, prefix=f"confirm{number}-")
        worker_processes.request_delivery()  # what the committing request does
        time.sleep(0.3)
    wait_until(
        lambda: _transactional_sent(app) == CONFIRMATIONS,
        60,
        f"confirmations not sent: {status_counts(app)}",
    )
    worker_processes.stop(worker)

    latencies = _latencies(app)
    assert len(latencies) == CONFIRMATIONS
    p95 = latencies[int(0.95 * CONFIRMATIONS) - 1]
    assert p95 < 2.0, f"queued → sent: {latencies}"
    assert status_counts(app).get("sent", 0) < CAMPAIGN, "the campaign was not in flight"
