"""Standalone pages of the site (About, Services and prices, Visit us, Privacy).

A page is Markdown written by staff, or HTML imported from a WordPress site; the sanitized
HTML is stored beside the source when it is saved (like an article), so showing a page never
runs the Markdown renderer. Published pages are served at ``/<slug>``; those with
``show_in_menu`` appear in the site menu by ``menu_order``.

``source_site`` and ``source_id`` name the WordPress page a page was imported from (the
site's address and its page id), so a second import updates rather than duplicates it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow


class PageStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class PageFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"  # imported from WordPress; sanitized like everything else


class Page(Model):
    __tablename__ = "pages"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'published')", name="status_known"),
        sa.CheckConstraint("body_format IN ('markdown', 'html')", name="format_known"),
        sa.CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name="public_has_time"),
        sa.UniqueConstraint("source_site", "source_id"),  # imported once per site
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # Markdown source
    body_format: so.Mapped[str] = so.mapped_column(sa.String(16), default=PageFormat.MARKDOWN.value)
    body_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # sanitized, when saved
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=PageStatus.DRAFT.value)
    menu_order: so.Mapped[int] = so.mapped_column(default=0)
    show_in_menu: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    source_site: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    source_id: so.Mapped[int | None] = so.mapped_column()

    def __repr__(self) -> str:
        return f"<Page {self.id} {self.slug} {self.status}>"

    @property
    def is_published(self) -> bool:
        return self.status == PageStatus.PUBLISHED
