"""The outbox: one row per email to send, written in the same transaction as its cause.

A row moves ``pending → sending → sent | failed | suppressed``. ``sending`` always comes
with a lease (``leased_by`` and ``lease_expires_at``): a worker that dies mid-batch leaves
rows whose lease runs out, and the sweep puts them back to ``pending``. ``held`` rows wait
outside the queue (a paused campaign): the claim never sees them until they are ``pending``
again (``PausedMailing``).
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    PAUSED = "paused"


class MailCategory(StrEnum):
    """Transactional mail (confirmations, resets, invitations) ignores newsletter suppression."""

    TRANSACTIONAL = "transactional"
    NEWSLETTER = "newsletter"


class MailPriority(IntEnum):
    """Lower goes first: a password reset must not wait behind a 10,000-row campaign."""

    TRANSACTIONAL = 0
    NEWSLETTER = 1

    @classmethod
    def for_category(cls, category: MailCategory) -> MailPriority:
        return cls[category.name]


class OutboxMessage(Model):
    __tablename__ = "outbox"
    __table_args__ = (
        # The claim query: pending rows, by priority, oldest due first. Partial, so marking a
        # row sent (a commit per message) rewrites the row's page and no index page.
        sa.Index(
            "ix_outbox_due",
            "priority",
            "next_attempt_at",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'suppressed', 'paused')",
            name="status_known",
        ),
        sa.CheckConstraint(
            "category IN ('transactional', 'newsletter')",
            name="category_known",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    category: so.Mapped[str] = so.mapped_column(
        sa.String(20), default=MailCategory.TRANSACTIONAL.value
    )
    priority: so.Mapped[int] = so.mapped_column(
        sa.SmallInteger, default=MailPriority.TRANSACTIONAL.value
    )
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    to_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    subject: so.Mapped[str] = so.mapped_column(sa.String(250))
    template: so.Mapped[str] = so.mapped_column(sa.String(100))
    context: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # Extra headers for this message only (e.g. List-Unsubscribe); checked at enqueue.
    headers: so.Mapped[dict[str, str]] = so.mapped_column(sa.JSON, default=dict)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default=OutboxStatus.PENDING.value)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    lease_expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # While sending: the lease owner. Once sent, failed or suppressed: the worker that did it.
    leased_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # Chosen at enqueue, so a copy resent after a crash carries the same Message-ID and
    # mail clients can recognise it as the same message.
    message_id: so.Mapped[str] = so.mapped_column(sa.String(255))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # When the context (names, links with tokens) was erased after the retention period;
    # the row itself stays, so its idempotency key keeps preventing a second send.
    scrubbed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # The web request that queued the message (``X-Request-ID``), repeated in the worker's
    # log line for it.
    request_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    # The mailing a row belongs to, when it is one of many queued together (a campaign:
    # ``campaign:12``), so that its sender can count, hold and release them by index.
    mailing: so.Mapped[str | None] = so.mapped_column(sa.String(40), index=True)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.template} {self.status}>"

    @property
    def can_retry(self) -> bool:
        # A scrubbed row no longer has what it takes to render the message again.
        return self.status == OutboxStatus.FAILED and self.scrubbed_at is None


class PausedMailing(Model):
    """A mailing (``campaign:12``) whose unsent rows must not go out: a paused campaign.

    The pipeline reads it wherever it could otherwise send a row of the mailing: the claim
    skips the mailing's rows, a batch checks it before each message, and rows given back
    (a batch that stopped, a dead worker's lease that ran out) become ``paused``, not
    ``pending``.
    """

    __tablename__ = "paused_mailings"

    mailing: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    paused_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
