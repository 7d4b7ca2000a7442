"""Delivery against a real SMTP server on loopback: once, retried, failed, suppressed."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import BouncedAddress, MailboxMessage, MailCategory, OutboxStatus
from tests.fixtures.mail import deliver, queue, rows, status_counts
from tests.fixtures.smtp import free_port


def test_a_batch_is_delivered_once_each(smtp_app, smtp_server):
    addresses = queue(smtp_app, 25)

    report = deliver(smtp_app)
    again = deliver(smtp_app)  # nothing is due any more

    assert report.sent == 25 and again.claimed == 0
    received = Counter(m.recipients[0] for m in smtp_server.messages)
    assert received == Counter(addresses)
    assert all(row.status == OutboxStatus.SENT and row.sent_at for row in rows(smtp_app))
    assert all(row.attempts == 1 and row.last_error is None for row in rows(smtp_app))


@pytest.mark.config(MAIL_BATCH_SIZE=10, MAIL_MAX_EMAILS=4)
def test_batches_share_connections_and_respect_mail_max_emails(smtp_app, smtp_server):
    queue(smtp_app, 25)
    sessions = []
    original = smtp_server.handler.handle_DATA
    numbers = itertools.count(1)

    async def remember_session(server, session, envelope):
        # A number stored on the connection's session object: ``id()`` can be reused once an
        # earlier connection's session is freed, which would merge two connections.
        if not hasattr(session, "test_connection_number"):
            session.test_connection_number = next(numbers)
        sessions.append(session.test_connection_number)
        return await original(server, session, envelope)

    smtp_server.handler.handle_DATA = remember_session

    assert deliver(smtp_app).sent == 25
    per_connection = Counter(sessions)
    # 3 batches of ≤10 messages, each connection closed after 4 messages at most.
    assert max(per_connection.values()) == 4
    assert len(per_connection) == 3 + 3 + 2  # 10 → 4+4+2, 10 → 4+4+2, 5 → 4+1


def test_a_451_is_retried_later_and_delivered(smtp_app, smtp_server, clock):
    queue(smtp_app, 3)
    smtp_server.reply_with("451 4.3.0 Try again later", recipient="runner1@example.com")

    first = deliver(smtp_app, clock)
    assert (first.sent, first.retrying) == (2, 1)
    waiting = next(r for r in rows(smtp_app) if r.to_address == "runner1@example.com")
    assert waiting.status == OutboxStatus.PENDING
    assert waiting.attempts == 1
    assert waiting.last_error == "451 4.3.0 Try again later"
    assert waiting.next_attempt_at > clock.now()

    assert deliver(smtp_app, clock).claimed == 0  # not before its time
    clock.advance(seconds=smtp_app.config["MAIL_RETRY_BASE_SECONDS"] + 1)
    assert deliver(smtp_app, clock).sent == 1

    received = Counter(m.recipients[0] for m in smtp_server.messages)
    assert received["runner1@example.com"] == 1
    assert status_counts(smtp_app) == {"sent": 3}


@pytest.mark.config(MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_BASE_SECONDS=10)
def test_temporary_failures_back_off_exponentially_then_give_up(smtp_app, smtp_server, clock):
    queue(smtp_app, 1)
    smtp_server.reply_with("452 4.2.2 Mailbox full", times=None)
    waits = []
    for _ in range(3):
        deliver(smtp_app, clock)
        (row,) = rows(smtp_app)
        waits.append((row.next_attempt_at - clock.now()).total_seconds())
        clock.advance(hours=1)

    assert waits[:2] == [10, 20]
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == 3
    assert row.last_error == "gave up after 3 attempts: 452 4.2.2 Mailbox full"


def test_an_unreachable_server_keeps_the_batch_for_later(app, clock):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens
    from portal.extensions import mail

    mail.init_app(app)
    queue(app, 3)

    report = deliver(app, clock)

    assert (report.claimed, report.retrying, report.sent) == (3, 3, 0)
    for row in rows(app):
        assert row.status == OutboxStatus.PENDING
        assert row.attempts == 1
        assert "ConnectionRefusedError" in row.last_error


@pytest.mark.config(MAIL_SUPPRESS_AFTER_HARD_FAILURES=2)
def test_a_550_fails_the_row_and_repeated_ones_suppress_newsletters(smtp_app, smtp_server):
    gone = "gone@example.com"
    smtp_server.reply_with("550 5.1.1 No such user", recipient=gone, times=None)

    for issue in (1, 2, 3):
        queue(
            smtp_app,
            1,
            prefix="gone",
            category=MailCategory.NEWSLETTER,
            idempotency_key=f"campaign:{issue}:gone",
            to=gone,
        )
        deliver(smtp_app)

    newsletter = [r for r in rows(smtp_app) if r.to_address == gone]
    assert [r.status for r in newsletter] == ["failed", "failed", "suppressed"]
    assert newsletter[0].last_error == "550 5.1.1 No such user"
    assert newsletter[2].attempts == 0  # never offered to the server
    assert "refused mail 2 times" in newsletter[2].last_error
    assert len(smtp_server.handler.refused) == 2

    with smtp_app.app_context():
        bounced = db.session.get(BouncedAddress, gone)
        assert bounced.hard_failures == 2


@pytest.mark.config(MAIL_SUPPRESS_AFTER_HARD_FAILURES=1)
def test_transactional_mail_ignores_suppression_and_a_success_clears_the_count(
    smtp_app, smtp_server
):
    address = "back@example.com"
    smtp_server.reply_with("550 5.1.1 No such user", recipient=address)
    queue(smtp_app, 1, category=MailCategory.NEWSLETTER, to=address, idempotency_key="n1")
    deliver(smtp_app)

    queue(smtp_app, 1, to=address, idempotency_key="reset-password")  # transactional
    deliver(smtp_app)

    assert [r.status for r in rows(smtp_app)] == ["failed", "sent"]
    assert [m.recipients for m in smtp_server.messages] == [[address]]
    with smtp_app.app_context():
        assert db.session.get(BouncedAddress, address).hard_failures == 0

    queue(smtp_app, 1, category=MailCategory.NEWSLETTER, to=address, idempotency_key="n2")
    deliver(smtp_app)
    assert rows(smtp_app)[-1].status == OutboxStatus.SENT


def test_a_content_refusal_fails_the_row_without_counting_against_the_address(
    smtp_app, smtp_server
):
    smtp_server.reply_with("554 5.7.1 Message refused", stage="data")
    queue(smtp_app, 2)

    report = deliver(smtp_app)

    assert (report.sent, report.failed) == (1, 1)
    with smtp_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BouncedAddress)) == 0


def test_a_template_that_fails_to_render_fails_only_its_row(smtp_app, smtp_server):
    queue(smtp_app, 2)
    with smtp_app.app_context():
        db.session.execute(
            sa.text("UPDATE outbox SET template = 'gone_missing' WHERE to_address = :a"),
            {"a": "runner0@example.com"},
        )
        db.session.commit()

    report = deliver(smtp_app)

    assert (report.sent, report.failed) == (1, 1)
    broken = rows(smtp_app)[0]
    assert broken.status == OutboxStatus.FAILED
    assert "gone_missing" in broken.last_error
    assert [m.recipients for m in smtp_server.messages] == [["runner1@example.com"]]


def test_without_mail_server_messages_go_to_the_development_mailbox(app):
    queue(app, 2)

    assert deliver(app).sent == 2

    with app.app_context():
        caught = db.session.scalars(sa.select(MailboxMessage).order_by(MailboxMessage.id)).all()
        assert [c.to_address for c in caught] == ["runner0@example.com", "runner1@example.com"]
        assert caught[0].raw.startswith(b"From: ")
        assert caught[0].outbox_id == rows(app)[0].id
    assert status_counts(app) == {"sent": 2}


@pytest.mark.parametrize("pipelining", [True, False])
def test_each_answer_is_sorted_the_same_with_and_without_pipelining(
    smtp_app, smtp_server, pipelining
):
    smtp_server.handler.pipelining = pipelining
    queue(smtp_app, 5)
    smtp_server.reply_with("550 5.1.1 No such user", recipient="runner1@example.com")
    smtp_server.reply_with("451 4.3.0 Busy", recipient="runner2@example.com")
    smtp_server.reply_with("552 5.3.4 Message too big", stage="data")  # runner0's DATA

    report = deliver(smtp_app)

    statuses = {row.to_address: (row.status, row.last_error) for row in rows(smtp_app)}
    assert statuses == {
        "runner0@example.com": ("failed", "552 5.3.4 Message too big"),
        "runner1@example.com": ("failed", "550 5.1.1 No such user"),
        "runner2@example.com": ("pending", "451 4.3.0 Busy"),
        "runner3@example.com": ("sent", None),
        "runner4@example.com": ("sent", None),
    }
    assert (report.sent, report.failed, report.retrying) == (2, 2, 1)
    assert sorted(m.recipients[0] for m in smtp_server.messages) == [
        "runner3@example.com",
        "runner4@example.com",
    ]
    with smtp_app.app_context():
        bounced = db.session.scalars(sa.select(BouncedAddress.address)).all()
    assert bounced == ["runner1@example.com"]  # only the refused recipient counts


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_refused_sender_fails_or_retries_without_blaming_the_recipient(
    smtp_app, smtp_server, pipelining
):
    smtp_server.handler.pipelining = pipelining
    queue(smtp_app, 2)
    smtp_server.reply_with("553 5.7.1 Sender address rejected", stage="mail")
    smtp_server.reply_with("451 4.7.1 Greylisted", stage="mail")

    deliver(smtp_app)

    assert [(row.status, row.last_error) for row in rows(smtp_app)] == [
        ("failed", "553 5.7.1 Sender address rejected"),
        ("pending", "451 4.7.1 Greylisted"),
    ]
    with smtp_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BouncedAddress)) == 0


def test_a_server_closing_with_421_gives_back_the_rest_of_the_batch(smtp_app, smtp_server):
    queue(smtp_app, 4)
    smtp_server.reply_with("421 4.3.2 Shutting down", recipient="runner1@example.com")

    first = deliver(smtp_app)

    # runner0 sent; runner1 waits for its retry; runner2 and 3 went back and were sent by
    # the next batch on a new connection.
    assert first.released == 2
    assert sorted(m.recipients[0] for m in smtp_server.messages) == [
        "runner0@example.com",
        "runner2@example.com",
        "runner3@example.com",
    ]
    assert rows(smtp_app)[1].status == OutboxStatus.PENDING


def test_with_pipelining_each_message_is_one_write_and_one_round_trip(
    smtp_app, smtp_server, monkeypatch
):
    """Content, dot and the next envelope go out together (RFC 2920 3.1)."""
    import smtplib

    writes: list[bytes] = []
    original_send = smtplib.SMTP.send

    def recording_send(self, data):  # type: ignore[no-untyped-def]
        writes.append(data if isinstance(data, bytes) else data.encode())
        return original_send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", recording_send)
    queue(smtp_app, 10)

    assert deliver(smtp_app).sent == 10

    with_content = [w for w in writes if w.endswith(b"\r\n.\r\n") or b"\r\n.\r\nMAIL" in w]
    announcing_alone = [w for w in writes if w.startswith(b"MAIL FROM")]
    assert len(with_content) == 10  # one write per message …
    assert sum(b"MAIL FROM" in w for w in with_content) == 9  # … carrying the next envelope
    assert len(announcing_alone) == 1  # only the first envelope goes out by itself
    assert not any(w.startswith(b"RSET") for w in writes)
    assert Counter(m.recipients[0] for m in smtp_server.messages) == Counter(
        f"runner{n}@example.com" for n in range(10)
    )


def test_a_server_that_hangs_up_after_accepting_keeps_that_message_sent(smtp_app, smtp_server):
    queue(smtp_app, 3)
    # runner0's content is accepted; the envelope of runner1, sent with it, gets 421 and the
    # server hangs up before answering RCPT and DATA.
    smtp_server.reply_with("421 4.3.2 Going away", stage="mail", after=1, hang_up=True)

    deliver(smtp_app)

    statuses = [(row.to_address, row.status) for row in rows(smtp_app)]
    assert statuses[0] == ("runner0@example.com", "sent")
    assert statuses[1] == ("runner1@example.com", "pending")  # retried later, not lost
    assert statuses[2] == ("runner2@example.com", "sent")  # given back, sent by the next batch
    received = [m.recipients[0] for m in smtp_server.messages]
    assert sorted(received) == ["runner0@example.com", "runner2@example.com"]


def test_the_batch_commits_without_waiting_for_the_disk_and_resets_that_after(
    smtp_app, smtp_server, monkeypatch
):
    """PostgreSQL: synchronous_commit off for the batch's connection only; SQLite: NORMAL."""
    from portal.core.database import is_sqlite
    from portal.mail import delivery

    seen: list[str] = []
    original = delivery.record_sent

    def watching(conn, *args, **kwargs):  # type: ignore[no-untyped-def]
        query = "PRAGMA synchronous" if is_sqlite(conn) else "SHOW synchronous_commit"
        seen.append(str(conn.exec_driver_sql(query).scalar()))
        return original(conn, *args, **kwargs)

    monkeypatch.setattr(delivery, "record_sent", watching)
    queue(smtp_app, 3)
    assert deliver(smtp_app).sent == 3

    with smtp_app.app_context():
        sqlite = is_sqlite(db.engine)
        # One sent-mark for the group of three; 1 is NORMAL.
        assert seen == (["1"] if sqlite else ["off"])
        if not sqlite:
            # The pooled connection is back to the server's default for the next user.
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def _watch_sent_marks(monkeypatch) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The recipients of each sent-mark (each one UPDATE and one COMMIT), in order."""
    from portal.mail import delivery

    marks: list[list[str]] = []
    original = delivery.record_sent

    def watching(conn, accepted, **kwargs):  # type: ignore[no-untyped-def]
        marks.append([item.row.to_address.split("@")[0] for item in accepted])
        return original(conn, accepted, **kwargs)

    monkeypatch.setattr(delivery, "record_sent", watching)
    return marks


@pytest.mark.config(MAIL_SENT_GROUP_SIZE=10, MAIL_SENT_GROUP_MS=5)
def test_accepted_messages_are_marked_sent_in_groups_closed_by_time(
    smtp_app, smtp_server, clock, monkeypatch
):
    marks = _watch_sent_marks(monkeypatch)
    queue(smtp_app, 6)
    original = smtp_server.handler.handle_DATA

    async def three_milliseconds_each(server, session, envelope):
        clock.advance(milliseconds=3)
        return await original(server, session, envelope)

    smtp_server.handler.handle_DATA = three_milliseconds_each

    assert deliver(smtp_app, clock).sent == 6

    # runner0 is accepted at 3 ms; before runner3 goes out (9 ms) the group is 6 ms old.
    assert marks == [["runner0", "runner1", "runner2"], ["runner3", "runner4", "runner5"]]
    assert status_counts(smtp_app) == {"sent": 6}


@pytest.mark.config(MAIL_SENT_GROUP_SIZE=2, MAIL_SENT_GROUP_MS=60_000)
def test_a_group_is_marked_when_full_and_before_a_failure_is_recorded(
    smtp_app, smtp_server, clock, monkeypatch
):
    marks = _watch_sent_marks(monkeypatch)
    queue(smtp_app, 6)
    smtp_server.reply_with("550 5.1.1 No such user", recipient="runner3@example.com")

    report = deliver(smtp_app, clock)

    assert (report.sent, report.failed) == (5, 1)
    assert marks == [["runner0", "runner1"], ["runner2"], ["runner4", "runner5"]]
    failed = next(row for row in rows(smtp_app) if row.status == OutboxStatus.FAILED)
    assert failed.to_address == "runner3@example.com"


@pytest.mark.config(MAIL_SENT_GROUP_SIZE=10, MAIL_SENT_GROUP_MS=5, MAIL_RATE_PER_SECOND=100)
def test_under_a_rate_slower_than_the_group_window_each_message_is_marked_at_once(
    smtp_app, smtp_server, clock, monkeypatch
):
    """10 ms between messages: waiting with accepted messages unrecorded would gain nothing."""
    marks = _watch_sent_marks(monkeypatch)
    queue(smtp_app, 3)

    assert deliver(smtp_app, clock).sent == 3
    assert marks == [["runner0"], ["runner1"], ["runner2"]]


@pytest.mark.config(MAIL_SENT_GROUP_SIZE=10, MAIL_SENT_GROUP_MS=5, MAIL_RATE_PER_SECOND=500)
def test_under_a_rate_a_group_holds_no_more_than_the_window_does(
    smtp_app, smtp_server, clock, monkeypatch
):
    """2 ms between messages, a 5 ms window: at most two messages wait for their sent-mark,
    whatever the pacer's sleeps (what a killed process resends stays that small)."""
    marks = _watch_sent_marks(monkeypatch)
    queue(smtp_app, 5)

    assert deliver(smtp_app, clock).sent == 5
    assert marks == [["runner0", "runner1"], ["runner2", "runner3"], ["runner4"]]
