"""A client's training profile (goal race, weekly mileage) and their calendar feed secret."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow


class DistanceUnit(StrEnum):
    KM = "km"
    MILES = "mi"


class TrainingProfile(Model):
    """One row per client who has told us about their running; absent means "not yet"."""

    __tablename__ = "training_profiles"
    __table_args__ = (
        sa.CheckConstraint("distance_unit IN ('km', 'mi')", name="distance_unit_known"),
        sa.CheckConstraint(
            "weekly_distance IS NULL OR weekly_distance BETWEEN 0 AND 400",
            name="weekly_distance_range",
        ),
    )

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    goal_race_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    goal_race_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    weekly_distance: so.Mapped[int | None] = so.mapped_column()
    distance_unit: so.Mapped[str] = so.mapped_column(sa.String(2), default=DistanceUnit.KM.value)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


def new_calendar_secret() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(Model):
    """The secret behind a client's calendar subscription URL.

    The URL's token is an HMAC of this secret under the app's ``SECRET_KEY``
    (``portal.clients.calendar``): a copy of the database alone does not reveal working
    URLs, and replacing the secret (the client's "reset") kills the old URL at once.
    """

    __tablename__ = "calendar_feeds"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: so.Mapped[str] = so.mapped_column(sa.String(64), default=new_calendar_secret)
    reset_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    def reset(self) -> None:
        self.secret = new_calendar_secret()
        self.reset_at = utcnow()
