"""Booking guidance: when a runner should (or should not) book, relative to their race.

Rules are rows the practice edits in the back office; ``portal.clients.guidance`` turns
them into dated advice for one client. Offsets are days relative to race day: ``-3`` is
three days before, ``2`` two days after, ``None`` an open end.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model


class RuleKind(StrEnum):
    BOOK = "book"
    AVOID = "avoid"


class Audience(StrEnum):
    EVERYONE = "everyone"
    NEW_TO_MASSAGE = "new"
    EXPERIENCED = "experienced"


class BookingRule(Model):
    __tablename__ = "booking_rules"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('book', 'avoid')", name="kind_known"),
        sa.CheckConstraint("audience IN ('everyone', 'new', 'experienced')", name="audience_known"),
        sa.CheckConstraint(
            "starts_days IS NULL OR ends_days IS NULL OR starts_days <= ends_days",
            name="window_ordered",
        ),
        sa.CheckConstraint(
            "repeat_every_days IS NULL OR repeat_every_days > 0", name="repeat_positive"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    advice: so.Mapped[str] = so.mapped_column(sa.String(500))
    kind: so.Mapped[str] = so.mapped_column(sa.String(8), default=RuleKind.BOOK.value)
    audience: so.Mapped[str] = so.mapped_column(sa.String(12), default=Audience.EVERYONE.value)
    starts_days: so.Mapped[int | None] = so.mapped_column()
    ends_days: so.Mapped[int | None] = so.mapped_column()
    repeat_every_days: so.Mapped[int | None] = so.mapped_column()
    is_active: so.Mapped[bool] = so.mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<BookingRule {self.id} {self.title!r}>"
