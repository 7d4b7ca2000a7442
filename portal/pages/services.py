"""Pages: reading the published ones, the site menu, saving, and which addresses are free.

A page lives at ``/<slug>``, beside every other address of the site. The slugs a page may
not take are the first segments of every route the app has (``blog``, ``portal``, ``staff``,
``login``…), read from the URL map, so a route added later is reserved the day it exists.

The menu (published pages marked "show in menu", by ``menu_order``) is on every page: it is
kept per process under the global render version, which saving a page bumps, so drawing it
is no extra query where a page has read that version.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g
from werkzeug.routing import Map

from portal.core.practice import known_global_version
from portal.core.render_cache import GLOBAL, track
from portal.core.rendering import render_article
from portal.extensions import db
from portal.models import Page, PageStatus
from portal.models.types import utcnow

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 200
PRIVACY_SLUG = "privacy"

track(Page, lambda _page: [GLOBAL])


@dataclass(frozen=True)
class MenuPage:
    slug: str
    title: str
    in_menu: bool  # else only in the footer's list


@dataclass(frozen=True)
class PageValues:
    title: str
    slug: str
    body: str
    status: PageStatus
    menu_order: int
    show_in_menu: bool


def slugify(text: str) -> str:
    """``"Services & prices"`` → ``"services-prices"`` (ASCII, lower case)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("'", "").replace("\u2019", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def reserved_segments(url_map: Map) -> frozenset[str]:
    """The first path segment of every route but the pages' own (``sitemap.xml`` also
    reserves ``sitemap``): a page never hides one."""
    segments: set[str] = set()
    for rule in url_map.iter_rules():
        if rule.endpoint.startswith("pages."):
            continue
        first = rule.rule.lstrip("/").split("/", 1)[0]
        if first and "<" not in first:
            segments.update((first, first.split(".", 1)[0]))
    return frozenset(segments)


def reserved_slugs() -> frozenset[str]:
    """This app's reserved first segments, worked out once per process."""
    found = current_app.extensions.get("reserved_page_slugs")
    if found is None:
        found = current_app.extensions["reserved_page_slugs"] = reserved_segments(
            current_app.url_map
        )
    return found


def slug_problem(slug: str, *, page: Page | None) -> str | None:
    """Why ``slug`` cannot be this page's address, or None."""
    if not SLUG_PATTERN.match(slug):
        return "Use lower-case letters, digits and single hyphens (e.g. visit-us)."
    if slug in reserved_slugs():
        return f"“/{slug}” is already an address of the site; choose another."
    taken = db.session.scalar(
        sa.select(Page.id).where(Page.slug == slug, Page.id != (page.id if page else -1))
    )
    if taken is not None:
        return "Another page already has this address."
    return None


def published_page(slug: str) -> Page | None:
    """The published page at ``slug``, or None (a draft is not there for readers)."""
    return db.session.scalar(
        sa.select(Page).where(Page.slug == slug, Page.status == PageStatus.PUBLISHED.value)
    )


def privacy_notice() -> Page:
    """The privacy notice the site ships (``privacy.md``), shown at ``/privacy`` until staff
    publish a page of their own there. Not stored: the text follows the code."""
    body = (Path(__file__).parent / "privacy.md").read_text(encoding="utf-8")
    return Page(
        slug=PRIVACY_SLUG,
        title="Privacy",
        body=body,
        body_format="markdown",
        body_html=render_article(body, "markdown"),
        status=PageStatus.PUBLISHED.value,
    )


def load_page(page_id: int) -> Page:
    """Any page by id, for the back office; 404 when there is none."""
    return db.get_or_404(Page, page_id)


def menu_pages() -> list[MenuPage]:
    """The published pages, in menu order (the footer lists them all, the menu those marked
    for it): kept per process under the global render version when this request has read
    it, else one query."""
    version = known_global_version()
    cached = current_app.extensions.get("menu_pages")
    if version is not None and cached is not None and cached[0] == version:
        return cached[1]
    found = g.get("menu_pages")
    if found is None:
        rows = db.session.execute(
            sa.select(Page.slug, Page.title, Page.show_in_menu)
            .where(Page.status == PageStatus.PUBLISHED.value)
            .order_by(Page.menu_order, Page.title)
        ).all()
        found = g.menu_pages = [
            MenuPage(slug=row.slug, title=row.title, in_menu=row.show_in_menu) for row in rows
        ]
        if version is not None:
            current_app.extensions["menu_pages"] = (version, found)
    return list(found)


def save_page(page: Page, values: PageValues) -> None:
    """Store ``values`` on ``page`` (added if new) with its sanitized HTML; the caller
    audits and commits. The first publication is dated; going back to draft keeps it."""
    page.title = values.title
    page.slug = values.slug
    page.body = values.body
    page.body_html = render_article(values.body, page.body_format or "markdown")
    page.status = values.status.value
    page.menu_order = values.menu_order
    page.show_in_menu = values.show_in_menu
    if values.status == PageStatus.PUBLISHED and page.published_at is None:
        page.published_at = utcnow()
    if page.id is None:
        db.session.add(page)
    db.session.flush()


def delete_page(page: Page) -> None:
    db.session.delete(page)
    db.session.flush()
