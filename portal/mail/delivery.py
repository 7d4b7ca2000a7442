"""Delivering one batch: claim, drop suppressed rows, then render, compose, send, record.

The batch shares one SMTP connection and one database connection, and reads the practice's
details (the From address, the name and address in every email) once. Accepted messages
are recorded (and committed) in small groups: those the server accepted within
``MAIL_SENT_GROUP_MS``, at most ``MAIL_SENT_GROUP_SIZE``, one UPDATE and one COMMIT each
(per message, these two round trips were most of the database's share of the work). Rows
the batch did not get to (lost connection, lease running out, the worker being stopped)
are given back at once, after the group is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.engine import Connection

from portal.core.database import is_sqlite
from portal.core.practice import PracticeDetails, load
from portal.extensions import db
from portal.mail.bookkeeping import (
    Accepted,
    RetryPolicy,
    record_failure,
    record_sent,
    record_suppressed,
)
from portal.mail.claim import ClaimedRow, claim_batch, new_lease_owner, release
from portal.mail.compose import RenderedEmail, Sender, check_address, compose, header_text
from portal.mail.pacing import Pacer
from portal.mail.render import TemplateProblem, personalise, render_parts
from portal.mail.suppression import failure_counts
from portal.mail.transport import (
    DeliveryFailure,
    Envelope,
    FailureKind,
    MailboxChannel,
    SmtpChannel,
    open_channel,
)
from portal.models.outbox import MailCategory, OutboxStatus
from portal.models.types import utcnow
from portal.web.request_log import REQUEST_ID

log = logging.getLogger(__name__)

# Stop starting new messages once this share of the lease is used up, so a slow batch hands
# its remaining rows back before another worker could take them over.
LEASE_SAFETY = 0.75


@dataclass(frozen=True)
class DeliverySettings:
    batch_size: int
    lease: timedelta
    retry: RetryPolicy
    suppress_after: int
    sent_group_size: int = 1
    sent_group_window: float = 0.0  # seconds

    @classmethod
    def from_app(cls, app: Flask) -> DeliverySettings:
        config = app.config
        return cls(
            batch_size=config["MAIL_BATCH_SIZE"],
            lease=timedelta(seconds=config["MAIL_LEASE_SECONDS"]),
            retry=RetryPolicy(
                max_attempts=config["MAIL_MAX_ATTEMPTS"],
                base=timedelta(seconds=config["MAIL_RETRY_BASE_SECONDS"]),
                cap=timedelta(seconds=config["MAIL_RETRY_MAX_SECONDS"]),
            ),
            suppress_after=config["MAIL_SUPPRESS_AFTER_HARD_FAILURES"],
            sent_group_size=max(1, config["MAIL_SENT_GROUP_SIZE"]),
            sent_group_window=config["MAIL_SENT_GROUP_MS"] / 1000,
        )

    def claim_size(self, pacer: Pacer) -> int:
        """Under a rate limit, claim no more than can be sent in half the lease."""
        if not pacer.limited:
            return self.batch_size
        affordable = int(self.lease.total_seconds() / 2 / pacer.own_interval)
        return max(1, min(self.batch_size, affordable))

    def group_size(self, pacer: Pacer) -> int:
        """Messages per sent-mark under this pacer (``sent_group_limit``)."""
        interval = pacer.own_interval if pacer.limited else 0.0
        return sent_group_limit(self.sent_group_size, self.sent_group_window, interval)


def sent_group_limit(size: int, window: float, interval: float) -> int:
    """The most accepted messages a sending process holds before marking them sent.

    Without a rate, ``size``. Under a rate (``interval`` seconds between a process's
    messages) no more than the window holds: the process is idle between sends anyway, and
    a larger group would only keep accepted messages unrecorded through the pacer's sleeps.
    One when the interval is longer than the window. What a killed process resends.
    """
    if interval <= 0:
        return size
    return max(1, min(size, int(window / interval)))


@dataclass
class BatchReport:
    claimed: int = 0
    limit: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    suppressed: int = 0
    released: int = 0

    @property
    def full(self) -> bool:
        """A full batch suggests more rows are waiting."""
        return self.claimed > 0 and self.claimed == self.limit


@dataclass
class _Batch:
    """The state one batch carries from message to message."""

    app: Flask
    conn: Connection
    owner: str
    settings: DeliverySettings
    pacer: Pacer
    clock: Callable[[], datetime]
    deadline: float
    failures: dict[str, int]
    report: BatchReport
    practice: PracticeDetails
    sender: Sender
    group_size: int = 1
    unmarked: list[Accepted] = field(default_factory=list)  # accepted, not yet recorded
    unmarked_since: float = 0.0  # pacer clock at the first of them
    lease_lost: bool = False


def sender_of(practice: PracticeDetails) -> Sender:
    """The From of the practice's mail: its sender name and address."""
    return Sender(
        name=header_text(practice.sender_name), address=check_address(practice.sender_email)
    )


def deliver_batch(
    app: Flask,
    *,
    pacer: Pacer,
    clock: Callable[[], datetime] = utcnow,
    on_claimed: Callable[[BatchReport], None] | None = None,
) -> BatchReport:
    """Claim and deliver one batch. ``on_claimed`` runs before sending (to fan out)."""
    settings = DeliverySettings.from_app(app)
    owner = new_lease_owner()
    report = BatchReport(limit=settings.claim_size(pacer))
    with db.engine.connect() as conn, _commit_without_fsync(conn):
        rows = claim_batch(conn, owner=owner, limit=report.limit, now=clock(), lease=settings.lease)
        report.claimed = len(rows)
        if not rows:
            return report
        if on_claimed is not None:
            on_claimed(report)
        practice = load(conn, app.config)  # once per batch: a change shows in the next one
        batch = _Batch(
            app=app,
            conn=conn,
            owner=owner,
            settings=settings,
            pacer=pacer,
            clock=clock,
            deadline=pacer.clock() + settings.lease.total_seconds() * LEASE_SAFETY,
            failures={},
            report=report,
            practice=practice,
            sender=sender_of(practice),
            group_size=settings.group_size(pacer),
        )
        rows = _drop_suppressed(batch, rows)
        _send_all(batch, rows)
    return report


def deliver_due_mail(
    app: Flask, *, pacer: Pacer | None = None, clock: Callable[[], datetime] = utcnow
) -> BatchReport:
    """Deliver batches in this process until nothing is due (``flask mail deliver``, tests)."""
    pacer = pacer or Pacer(app.config["MAIL_RATE_PER_SECOND"])
    total = BatchReport()
    while True:
        report = deliver_batch(app, pacer=pacer, clock=clock)
        if not report.claimed:
            return total
        for name in ("claimed", "sent", "retrying", "failed", "suppressed", "released"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        if report.sent == 0 and report.released:
            return total  # nothing moved (e.g. the lease ran out at once): do not spin


@contextmanager
def _commit_without_fsync(conn: Connection) -> Iterator[None]:
    """The batch's commits reach the log without waiting for the disk.

    SQLite: ``synchronous=NORMAL`` in WAL mode. PostgreSQL: ``synchronous_commit = off`` for
    this connection while the batch runs (reset before it goes back to the pool, so web
    requests keep waiting for the flush). A commit still survives the worker being killed,
    which is what "mark sent right after the server accepted" protects against. Only a crash
    of the database server or machine can undo the last few commits (PostgreSQL: those of the
    last ~0.6 s, three times ``wal_writer_delay``); the database stays consistent, and a
    message whose sent-mark was lost is sent again when its lease ends — a duplicate, never a
    loss. It makes the per-message commit many times cheaper (docs/mail.md).
    """
    if is_sqlite(conn):
        conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        yield
        return
    conn.exec_driver_sql("SET synchronous_commit = off")
    conn.commit()
    try:
        yield
    finally:
        with suppress(Exception):
            conn.rollback()
            conn.exec_driver_sql("RESET synchronous_commit")
            conn.commit()


def _drop_suppressed(batch: _Batch, rows: list[ClaimedRow]) -> list[ClaimedRow]:
    batch.failures = failure_counts(batch.conn, (row.to_address for row in rows))
    batch.conn.commit()  # end the read: no transaction stays open while talking SMTP
    limit = batch.settings.suppress_after
    suppressed = [
        row
        for row in rows
        if row.category == MailCategory.NEWSLETTER
        and batch.failures.get(row.to_address.lower(), 0) >= limit
    ]
    if not suppressed:
        return rows
    record_suppressed(batch.conn, suppressed, owner=batch.owner, failures=batch.failures)
    batch.report.suppressed += len(suppressed)
    skipped = {row.id for row in suppressed}
    return [row for row in rows if row.id not in skipped]


def _send_all(batch: _Batch, rows: list[ClaimedRow]) -> None:
    remaining = list(reversed(rows))  # pop() from the end: oldest first
    prepared: dict[int, Envelope | DeliveryFailure] = {}  # this row's and the next one's
    try:
        with open_channel(batch.app) as channel:
            while remaining:
                if batch.pacer.clock() > batch.deadline:
                    log.warning("lease nearly over: giving back %d rows", len(remaining))
                    break
                batch.pacer.wait()
                if _group_is_old(batch):
                    _mark_sent(batch)
                if batch.lease_lost:
                    break
                following = remaining[-2] if len(remaining) > 1 else None
                keep_going = _send_one(batch, channel, remaining[-1], following, prepared)
                remaining.pop()
                if not keep_going or batch.lease_lost:
                    break
    except DeliveryFailure as failure:  # could not connect: the whole batch waits
        log.warning("cannot reach the mail server: %s", failure.reason)
        while remaining:
            _record_failure(batch, remaining.pop(), failure)
    finally:
        _mark_sent_before_stopping(batch)
        _give_back(batch, [row.id for row in remaining])


def _prepare(
    batch: _Batch, row: ClaimedRow, prepared: dict[int, Envelope | DeliveryFailure]
) -> Envelope | DeliveryFailure:
    """The row's envelope, composed once (it may be needed one message early, to announce it)."""
    if row.id not in prepared:
        try:
            raw = _compose(batch, row, batch.clock())
        except (TemplateProblem, ValueError) as problem:
            prepared[row.id] = DeliveryFailure(FailureKind.PERMANENT, str(problem))
        else:
            sender = batch.sender.address
            prepared[row.id] = Envelope(sender=sender, recipient=row.to_address, raw=raw)
    return prepared[row.id]


def _send_one(
    batch: _Batch,
    channel: SmtpChannel | MailboxChannel,
    row: ClaimedRow,
    following: ClaimedRow | None,
    prepared: dict[int, Envelope | DeliveryFailure],
) -> bool:
    """Send one row and record the outcome; False when the batch should stop.

    ``following`` is the row the batch sends next: its envelope travels with this message's
    content where the server pipelines (one round trip per message). Log lines written
    meanwhile carry the id of the request that queued the row.
    """
    token = REQUEST_ID.set(row.request_id)
    try:
        return _deliver_row(batch, channel, row, following, prepared)
    finally:
        REQUEST_ID.reset(token)


def _deliver_row(
    batch: _Batch,
    channel: SmtpChannel | MailboxChannel,
    row: ClaimedRow,
    following: ClaimedRow | None,
    prepared: dict[int, Envelope | DeliveryFailure],
) -> bool:
    envelope = _prepare(batch, row, prepared)
    prepared.pop(row.id)
    if isinstance(envelope, DeliveryFailure):
        _record_failure(batch, row, envelope)
        return True
    then = None
    if following is not None:
        next_envelope = _prepare(batch, following, prepared)
        then = next_envelope if isinstance(next_envelope, Envelope) else None
    try:
        channel.send(envelope, then=then)
    except DeliveryFailure as failure:
        _record_failure(batch, row, failure)
        return not failure.connection_lost
    accepted = Accepted(
        row,
        mailbox_copy=envelope.raw if channel.keeps_copy else None,
        clear_bounces=row.to_address.lower() in batch.failures,
    )
    if not batch.unmarked:
        batch.unmarked_since = batch.pacer.clock()
    batch.unmarked.append(accepted)
    if len(batch.unmarked) >= batch.group_size:
        _mark_sent(batch)
    return not batch.lease_lost


def _group_is_old(batch: _Batch) -> bool:
    """The first unrecorded acceptance is older than the group window."""
    age = batch.pacer.clock() - batch.unmarked_since
    return bool(batch.unmarked) and age >= batch.settings.sent_group_window


def _mark_sent(batch: _Batch) -> None:
    """Record the accepted group (one statement, one commit). A row whose lease was lost
    (another worker took it over) stops the batch; the others of the group stay recorded."""
    group, batch.unmarked = batch.unmarked, []
    if not group:
        return
    recorded = record_sent(batch.conn, group, owner=batch.owner, now=batch.clock())
    batch.report.sent += len(recorded)
    for item in group:
        _log_outcome(item.row, recorded)
    if len(recorded) < len(group):
        batch.lease_lost = True


def _log_outcome(row: ClaimedRow, recorded: set[int]) -> None:
    """One line per message, carrying the id of the request that queued the row."""
    token = REQUEST_ID.set(row.request_id)
    try:
        if row.id in recorded:
            extra = {"outbox_id": row.id, "template": row.template}
            log.info("sent outbox row %d (%s)", row.id, row.template, extra=extra)
        else:
            log.error("lease of outbox row %d was lost while sending it; stopping batch", row.id)
    finally:
        REQUEST_ID.reset(token)


def _mark_sent_before_stopping(batch: _Batch) -> None:
    """The batch ends (finished, stopped, interrupted): record what was accepted first.

    If that fails, the group's rows stay ``sending`` under the lease and are sent again when
    it ends: a duplicate, never a loss. They are not given back sooner than that.
    """
    try:
        _mark_sent(batch)
    except Exception:
        log.exception("could not record accepted outbox rows; they are resent after the lease")


def compose_row(
    app: Flask, row: ClaimedRow, *, sender: Sender, practice: PracticeDetails, date: float
) -> bytes:
    """The bytes to send for one claimed row: render its templates, then write the message."""
    context, headers = personalise(app, row.context, row.headers)
    text, html = render_parts(
        app, template=row.template, subject=row.subject, context=context, practice=practice
    )
    email = RenderedEmail(
        to_address=row.to_address,
        to_name=row.to_name,
        subject=row.subject,
        text=text,
        html=html,
        message_id=row.message_id,
        headers=headers,
    )
    return compose(email, sender=sender, date=date)


def _compose(batch: _Batch, row: ClaimedRow, now: datetime) -> bytes:
    return compose_row(
        batch.app, row, sender=batch.sender, practice=batch.practice, date=now.timestamp()
    )


def _record_failure(batch: _Batch, row: ClaimedRow, failure: DeliveryFailure) -> None:
    """Record a failed row, after the accepted group: outcomes are written in send order."""
    _mark_sent(batch)
    status = record_failure(
        batch.conn,
        row,
        failure,
        owner=batch.owner,
        now=batch.clock(),
        retry=batch.settings.retry,
    )
    if status is OutboxStatus.PENDING:
        batch.report.retrying += 1
    else:
        batch.report.failed += 1
    log.info("outbox row %d to %s: %s (%s)", row.id, row.to_address, failure.reason, status)


def _give_back(batch: _Batch, ids: list[int]) -> None:
    """Release unattempted rows, also when the worker is being interrupted."""
    if not ids:
        return
    try:
        batch.conn.rollback()
        release(batch.conn, owner=batch.owner, ids=ids)
        batch.report.released += len(ids)
    except Exception:
        log.exception("could not release %d outbox rows; their lease will expire", len(ids))
