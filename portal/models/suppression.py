"""Addresses that refused mail permanently, counted so newsletter mail can stop going to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow


class BouncedAddress(Model):
    """Consecutive hard failures (5xx) of one address; an accepted message resets the count.

    Whether the address is suppressed is decided when sending, by comparing the count with
    ``MAIL_SUPPRESS_AFTER_HARD_FAILURES``, so changing the setting applies to everyone.
    """

    __tablename__ = "bounced_addresses"

    address: so.Mapped[str] = so.mapped_column(sa.String(254), primary_key=True)
    hard_failures: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    last_failed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<BouncedAddress {self.address} {self.hard_failures}>"


class BounceKind(StrEnum):
    HARD = "hard"  # a permanent failure reported later (DSN "failed", 5.x.x)
    SOFT = "soft"  # a temporary one (DSN "delayed", 4.x.x); suppresses after a threshold
    COMPLAINT = "complaint"  # a feedback report (ARF): the recipient marked the mail as spam


class BounceReport(Model):
    """One bounce or complaint read from the bounce mailbox, tied to the row it names.

    ``mailing`` is copied from the outbox row (``campaign:12``) so a campaign's page counts
    its bounces by index. ``digest`` (SHA-256 of the report's bytes) makes reading a report
    twice, after a crash between the commit and the mailbox move, a no-op.
    """

    __tablename__ = "bounce_reports"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('hard', 'soft', 'complaint')", name="kind_known"),
        sa.Index("ix_bounce_reports_address_received", "address", "received_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    digest: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    outbox_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("outbox.id", ondelete="SET NULL")
    )
    mailing: so.Mapped[str | None] = so.mapped_column(sa.String(40), index=True)
    address: so.Mapped[str] = so.mapped_column(sa.String(254))
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    detail: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<BounceReport {self.kind} {self.address}>"
