"""What the blog serves outside ``/blog/``: the sitemap and the old WordPress addresses.

Old addresses of imported sites (``/2024/03/05/massage-for-runners/``, ``/about/``,
``/wp-content/uploads/2024/03/calf.jpg``…) answer 301 with where the thing lives now, so
links and search results from the WordPress years keep working. They are looked up only
when nothing else answers (the 404 handler), so no route of this site is shadowed and a
normal page costs no query. ``/?p=123`` is the home page's address with a query: it is
handled before the home view runs, and only when it names an imported article, so ``/``
itself is untouched.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import sqlalchemy as sa
from flask import Response, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as BaseResponse

from portal.blog import feeds, legacy, site_bp
from portal.extensions import db
from portal.models import BlogImage, LegacyRedirect, Post, Tag
from portal.models.blog import public_posts_filter
from portal.models.pages import Page, PageStatus
from portal.models.types import utcnow
from portal.web.errors import handle_http_error
from portal.web.pagination import MAX_ID


@site_bp.route("/sitemap.xml")
def sitemap() -> Response:
    response = make_response(feeds.sitemap())
    response.mimetype = "application/xml"
    return response


def _target(row: LegacyRedirect | None) -> str | None:
    """Where an old address leads now: a public article or page, a tag, a picture."""
    if row is None:
        return None
    if row.post_id is not None:
        slug = db.session.scalar(
            sa.select(Post.slug).where(Post.id == row.post_id, public_posts_filter(utcnow()))
        )
        return url_for("blog.article", slug=slug) if slug else None
    if row.page_id is not None:
        slug = db.session.scalar(
            sa.select(Page.slug).where(
                Page.id == row.page_id, Page.status == PageStatus.PUBLISHED.value
            )
        )
        return "/" + quote(slug) if slug else None
    if row.tag_id is not None:
        slug = db.session.scalar(sa.select(Tag.slug).where(Tag.id == row.tag_id))
        return url_for("blog.tag", tag=slug) if slug else None
    if row.image_id is not None:
        filename = db.session.scalar(
            sa.select(BlogImage.filename).where(BlogImage.id == row.image_id)
        )
        return url_for("blog.image", filename=filename) if filename else None
    return None


@site_bp.app_errorhandler(NotFound)
def old_address(error: NotFound) -> ResponseReturnValue:
    """Nothing here: perhaps an old address of an imported site (else the usual 404 page)."""
    path = request.path
    if request.method in ("GET", "HEAD") and path.isprintable():
        composed = unicodedata.normalize("NFC", path)
        if composed != path:  # decomposed accents: the same address, spelled another way
            return redirect(quote(composed) + _query(), code=301)
        target = _target(legacy.find(legacy.path_key(path, encoded=False), request.host))
        if target is not None and target != path:
            return redirect(target, code=301)
    return handle_http_error(error)


def _query() -> str:
    query = request.query_string.decode("ascii", "replace")
    return f"?{query}" if query else ""


# WordPress's plain links: ``/?p=ID`` (posts), ``/?page_id=ID`` (pages), ``/?attachment_id=ID``.
QUERY_LINKS = ("p", "page_id", "attachment_id")


@site_bp.before_app_request
def wordpress_post_id() -> BaseResponse | None:
    if request.path != "/" or not request.args:
        return None
    for name in QUERY_LINKS:
        text = request.args.get(name, "")
        if text.isascii() and text.isdigit() and 0 < len(text) <= 10 and int(text) <= MAX_ID:
            target = _target(legacy.find(f"/?{name}={int(text)}", request.host))
            if target is not None:
                return redirect(target, code=301)
    return None
