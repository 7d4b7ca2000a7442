"""The practice's own details, as an admin last saved them in the back office.

One row (id 1) or none: until an admin saves, the details come from the configuration
(``PRACTICE_NAME``, ``PRACTICE_ADDRESS``, ``MAIL_DEFAULT_SENDER``). ``portal/core/practice.py``
reads them, once per request or per batch of mail.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow

SETTINGS_ID = 1


class PracticeSettings(Model):
    __tablename__ = "practice_settings"
    __table_args__ = (sa.CheckConstraint(f"id = {SETTINGS_ID}", name="single_row"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    address: so.Mapped[str] = so.mapped_column(sa.String(300))  # postal, one line
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    opening_hours: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    booking_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    booking_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    sender_email: so.Mapped[str] = so.mapped_column(sa.String(254))  # the From of every email
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
