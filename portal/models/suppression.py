"""Addresses that refused mail permanently, counted so newsletter mail can stop going to them."""

from __future__ import annotations

from datetime import datetime

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
