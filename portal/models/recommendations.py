"""What a therapist recommends a client does between sessions.

A recommendation can point at further reading in two ways: ``article_slug`` names one of
the practice's blog articles (resolved to a URL only when the blog exists), ``link_url`` is
any http(s) address. ``portal.clients.links`` decides which one a page shows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.sessions import MassageSession


class Recommendation(Model):
    __tablename__ = "recommendations"
    __table_args__ = (
        sa.Index("ix_recommendations_client_due", "client_id", "due_on"),
        # The form checks the scheme; the database refuses anything else too (javascript:…).
        sa.CheckConstraint(
            "link_url IS NULL OR link_url LIKE 'http://%' OR link_url LIKE 'https://%'",
            name="link_is_http",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # Advice outlives a session record deleted by mistake; it just loses its "given on" date.
    session_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("massage_sessions.id", ondelete="SET NULL"), index=True
    )
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    details: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    frequency: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    due_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    link_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    article_slug: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    done_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    session: so.Mapped[MassageSession | None] = so.relationship(
        back_populates="recommendations", lazy="raise_on_sql"
    )

    def __repr__(self) -> str:
        return f"<Recommendation {self.id} client={self.client_id}>"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
