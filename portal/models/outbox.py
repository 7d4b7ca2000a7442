"""The outbox: one row per email to send, written in the same transaction as its cause."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


class MailCategory(StrEnum):
    """Transactional mail (confirmations, resets, invitations) ignores newsletter suppression."""

    TRANSACTIONAL = "transactional"
    NEWSLETTER = "newsletter"


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'suppressed')",
            name="status_known",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    category: so.Mapped[str] = so.mapped_column(
        sa.String(20), default=MailCategory.TRANSACTIONAL.value
    )
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    to_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    subject: so.Mapped[str] = so.mapped_column(sa.String(250))
    template: so.Mapped[str] = so.mapped_column(sa.String(100))
    context: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default=OutboxStatus.PENDING.value)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    lease_expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    leased_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    message_id: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.template} {self.status}>"
