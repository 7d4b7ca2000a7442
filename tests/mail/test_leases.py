"""Claims under lease: disjoint, expiring, and a worker that overran its lease stops."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mail.claim import claim_batch, next_wake_up, release, release_expired_leases
from portal.models import OutboxStatus
from portal.models.types import utcnow
from tests.fixtures.mail import deliver, queue, rows, status_counts

LEASE = timedelta(seconds=30)


def test_two_claims_never_share_a_row(app):
    queue(app, 10)
    with app.app_context(), db.engine.connect() as conn:
        first = claim_batch(conn, owner="a", limit=6, now=utcnow(), lease=LEASE)
        second = claim_batch(conn, owner="b", limit=6, now=utcnow(), lease=LEASE)
        third = claim_batch(conn, owner="c", limit=6, now=utcnow(), lease=LEASE)
    assert len(first) == 6 and len(second) == 4 and third == []
    assert not {row.id for row in first} & {row.id for row in second}
    assert status_counts(app) == {"sending": 10}


def test_expired_leases_go_back_to_pending_and_are_sent(smtp_app, smtp_server, clock):
    queue(smtp_app, 3)
    with smtp_app.app_context(), db.engine.connect() as conn:
        claim_batch(conn, owner="dead-worker", limit=3, now=clock.now(), lease=LEASE)
        assert release_expired_leases(conn, now=clock.now()) == 0
        assert next_wake_up(conn, now=clock.now()) == clock.now() + LEASE
        clock.advance(seconds=31)
        assert release_expired_leases(conn, now=clock.now()) == 3

    assert deliver(smtp_app, clock).sent == 3
    assert len(smtp_server.messages) == 3


def test_a_retry_sets_the_next_wake_up(smtp_app, smtp_server, clock):
    queue(smtp_app, 1)
    smtp_server.reply_with("421 4.7.0 Closing connection")
    deliver(smtp_app, clock)
    (row,) = rows(smtp_app)
    with smtp_app.app_context(), db.engine.connect() as conn:
        assert next_wake_up(conn, now=clock.now()) == row.next_attempt_at


@pytest.mark.config(MAIL_LEASE_SECONDS=10, MAIL_BATCH_SIZE=5)
def test_a_slow_batch_gives_back_its_rows_before_its_lease_ends(smtp_app, smtp_server, clock):
    queue(smtp_app, 5)
    original = smtp_server.handler.handle_DATA

    async def slow_server(server, session, envelope):
        clock.advance(seconds=3)  # each message takes 3 s of the 10 s lease
        return await original(server, session, envelope)

    smtp_server.handler.handle_DATA = slow_server

    report = deliver(smtp_app, clock)

    # Three messages use 9 s, past three quarters of the lease: the last two are given
    # back at once and go out in the next batch, each still exactly once.
    assert report.released == 2
    assert report.sent == 5
    assert sorted(m.recipients[0] for m in smtp_server.messages) == [
        f"runner{n}@example.com" for n in range(5)
    ]


def _steal_leases_on_first_message(smtp_app, smtp_server, where: str) -> None:  # type: ignore[no-untyped-def]
    """Another worker takes rows over (``where``) while the first message is accepted."""
    original = smtp_server.handler.handle_DATA

    async def steal(server, session, envelope):  # type: ignore[no-untyped-def]
        reply = await original(server, session, envelope)
        with smtp_app.app_context():
            db.session.execute(sa.text(f"UPDATE outbox SET leased_by = 'thief' WHERE {where}"))
            db.session.commit()
        smtp_server.handler.handle_DATA = original
        return reply

    smtp_server.handler.handle_DATA = steal


@pytest.mark.config(MAIL_SENT_GROUP_SIZE=1)
def test_a_worker_that_lost_its_lease_stops_and_overwrites_nothing(smtp_app, smtp_server):
    queue(smtp_app, 3)
    _steal_leases_on_first_message(smtp_app, smtp_server, "status = 'sending'")

    report = deliver(smtp_app)

    assert report.sent == 0  # the first message went out, but its row is the thief's now
    assert len(smtp_server.messages) == 1
    assert [row.leased_by for row in rows(smtp_app)] == ["thief"] * 3
    assert {row.status for row in rows(smtp_app)} == {OutboxStatus.SENDING}


@pytest.mark.config(MAIL_SENT_GROUP_SIZE=3, MAIL_SENT_GROUP_MS=60_000)
def test_a_worker_that_lost_its_lease_learns_it_at_the_group_sent_mark(smtp_app, smtp_server):
    """Marked sent in groups, a worker that lost its lease sends at most its group."""
    queue(smtp_app, 5)
    _steal_leases_on_first_message(smtp_app, smtp_server, "status = 'sending'")

    report = deliver(smtp_app)

    assert report.sent == 0
    assert len(smtp_server.messages) == 3  # the group; runner3's envelope was dropped
    assert [row.leased_by for row in rows(smtp_app)] == ["thief"] * 5
    assert {row.status for row in rows(smtp_app)} == {OutboxStatus.SENDING}


@pytest.mark.config(MAIL_SENT_GROUP_SIZE=2, MAIL_SENT_GROUP_MS=60_000)
def test_a_group_keeps_the_sent_marks_of_the_rows_still_ours(smtp_app, smtp_server):
    """Only the first row was taken over: the second is recorded, the batch stops, and the
    rows it had not sent go back to the queue."""
    queue(smtp_app, 4)
    _steal_leases_on_first_message(smtp_app, smtp_server, "to_address = 'runner0@example.com'")

    report = deliver(smtp_app)

    assert report.sent == 1 + 2  # runner1 in the first batch; runner2 and 3 in the next one
    assert [(row.status, row.leased_by == "thief") for row in rows(smtp_app)] == [
        (OutboxStatus.SENDING, True),
        (OutboxStatus.SENT, False),
        (OutboxStatus.SENT, False),
        (OutboxStatus.SENT, False),
    ]
    received = [m.recipients[0] for m in smtp_server.messages]
    assert received == [f"runner{n}@example.com" for n in range(4)]  # each once


def test_giving_back_a_batch_never_reopens_a_row_already_recorded(smtp_app, smtp_server):
    """An interrupt can land between a row's commit and the batch's own bookkeeping."""
    queue(smtp_app, 2)
    with smtp_app.app_context(), db.engine.connect() as conn:
        claimed = claim_batch(conn, owner="me", limit=2, now=utcnow(), lease=LEASE)
        conn.execute(
            sa.text("UPDATE outbox SET status = 'sent' WHERE id = :id"), {"id": claimed[0].id}
        )
        conn.commit()
        release(conn, owner="me", ids=[row.id for row in claimed])

    assert [row.status for row in rows(smtp_app)] == ["sent", "pending"]


def test_a_group_padded_to_a_power_of_two_is_counted_by_its_rows(app, monkeypatch):
    """``IN (a, b, c, c)``: three rows change, and the count says so (no second look)."""
    from portal.mail import bookkeeping

    def no_second_look(*args: object) -> set[int]:
        raise AssertionError("the row count did not match the group")

    monkeypatch.setattr(bookkeeping, "_marked_by", no_second_look)
    queue(app, 3)
    with app.app_context(), db.engine.connect() as conn:
        claimed = claim_batch(conn, owner="me", limit=3, now=utcnow(), lease=LEASE)
        group = [bookkeeping.Accepted(row) for row in claimed]
        recorded = bookkeeping.record_sent(conn, group, owner="me", now=utcnow())

    assert recorded == {row.id for row in claimed}
    assert [(row.status, row.attempts) for row in rows(app)] == [(OutboxStatus.SENT, 1)] * 3
