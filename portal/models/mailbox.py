"""The development mailbox: what would have been sent, when no SMTP server is configured."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow


class MailboxMessage(Model):
    """One caught message, kept as the exact bytes an SMTP server would have received."""

    __tablename__ = "mailbox_messages"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    outbox_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("outbox.id", ondelete="SET NULL"), index=True
    )
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(250))
    raw: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<MailboxMessage {self.id} to {self.to_address}>"
