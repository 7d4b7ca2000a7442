"""Massage sessions: what a therapist did for a client on a given day.

``private_notes`` is deferred with raiseload: a query must ask for it by name
(``undefer``), which only the staff pages do. A client page that tried to show it would
fail loudly instead of leaking the therapist's notes.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow
from portal.models.users import User
from portal.models.vocabulary import AREA_ORDER, BodyArea, Modality, Pressure

if TYPE_CHECKING:
    from portal.models.recommendations import Recommendation

DURATION_MINUTES = (15, 180)
SORENESS = (0, 10)


class SessionArea(Model):
    """One body area worked in one session (a row each, so areas can be counted in SQL)."""

    __tablename__ = "session_areas"

    session_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("massage_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    area: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)

    @property
    def label(self) -> str:
        return BodyArea.label_for(self.area)


class MassageSession(Model):
    __tablename__ = "massage_sessions"
    __table_args__ = (
        sa.Index("ix_massage_sessions_client_held", "client_id", "held_on"),
        sa.CheckConstraint(
            f"duration_minutes BETWEEN {DURATION_MINUTES[0]} AND {DURATION_MINUTES[1]}",
            name="duration_range",
        ),
        sa.CheckConstraint(
            f"soreness_before BETWEEN {SORENESS[0]} AND {SORENESS[1]}", name="soreness_before_range"
        ),
        sa.CheckConstraint(
            f"soreness_after BETWEEN {SORENESS[0]} AND {SORENESS[1]}", name="soreness_after_range"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # A therapist who leaves keeps their sessions on the client's record, unnamed.
    therapist_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    held_on: so.Mapped[date] = so.mapped_column(sa.Date)
    # The practice's wall-clock time (a "floating" time in iCalendar terms), when known.
    starts_at: so.Mapped[time | None] = so.mapped_column(sa.Time)
    duration_minutes: so.Mapped[int] = so.mapped_column()
    modality: so.Mapped[str] = so.mapped_column(sa.String(32))
    pressure: so.Mapped[str] = so.mapped_column(sa.String(16), default=Pressure.MEDIUM.value)
    soreness_before: so.Mapped[int] = so.mapped_column()
    soreness_after: so.Mapped[int] = so.mapped_column()
    client_notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    private_notes: so.Mapped[str] = so.mapped_column(
        sa.Text, default="", deferred=True, deferred_raiseload=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    # Relationships refuse to lazy-load: every page says what it needs with selectinload,
    # so a forgotten eager load is an error in the tests, not a query per row in production.
    client: so.Mapped[User] = so.relationship(foreign_keys=[client_id], lazy="raise_on_sql")
    therapist: so.Mapped[User | None] = so.relationship(
        foreign_keys=[therapist_id], lazy="raise_on_sql"
    )
    areas: so.Mapped[list[SessionArea]] = so.relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise_on_sql"
    )
    recommendations: so.Mapped[list[Recommendation]] = so.relationship(
        back_populates="session",
        passive_deletes=True,
        lazy="raise_on_sql",
        order_by="Recommendation.id",
    )

    def __repr__(self) -> str:
        return f"<MassageSession {self.id} client={self.client_id} {self.held_on}>"

    @property
    def modality_label(self) -> str:
        return Modality.label_for(self.modality)

    @property
    def pressure_label(self) -> str:
        return Pressure.label_for(self.pressure)

    @property
    def area_keys(self) -> list[str]:
        return sorted((row.area for row in self.areas), key=lambda a: AREA_ORDER.get(a, 99))

    @property
    def area_labels(self) -> list[str]:
        return [BodyArea.label_for(area) for area in self.area_keys]

    def set_areas(self, keys: list[str]) -> None:
        """Replace the areas worked, keeping rows that stay (no delete-and-reinsert churn)."""
        wanted = list(dict.fromkeys(keys))
        self.areas = [row for row in self.areas if row.area in wanted] + [
            SessionArea(area=key) for key in wanted if key not in {row.area for row in self.areas}
        ]
