"""What the blog serves outside ``/blog/``: the sitemap and the old WordPress addresses.

Old permalinks (``/2024/03/05/massage-for-runners/``) and ``/?p=123`` answer 301 with the
article's address, so links and search results from the WordPress years keep working.
``/?p=`` is the home page's address with a query: it is handled before the home view runs,
and only when ``p`` names an imported article, so ``/`` itself is untouched.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, make_response, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from portal.blog import feeds, site_bp
from portal.extensions import db
from portal.models import LegacyRedirect, Post
from portal.models.blog import public_posts_filter
from portal.models.types import utcnow
from portal.web.pagination import MAX_ID


@site_bp.route("/sitemap.xml")
def sitemap() -> Response:
    response = make_response(feeds.sitemap())
    response.mimetype = "application/xml"
    return response


def _public_slug(condition: sa.ColumnElement[bool]) -> str | None:
    return db.session.scalar(
        sa.select(Post.slug).where(condition, public_posts_filter(utcnow())).limit(1)
    )


@site_bp.route(
    "/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>/<int(fixed_digits=2):day>/<slug>/"
)
def wordpress_permalink(year: int, month: int, day: int, slug: str) -> BaseResponse:
    if len(slug) > 200:
        abort(404)
    path = f"/{year:04d}/{month:02d}/{day:02d}/{slug}/"
    found = _public_slug(
        Post.id.in_(sa.select(LegacyRedirect.post_id).where(LegacyRedirect.path == path))
    )
    if found is None:
        abort(404)
    return redirect(url_for("blog.article", slug=found), code=301)


@site_bp.before_app_request
def wordpress_post_id() -> BaseResponse | None:
    if request.path != "/" or "p" not in request.args:
        return None
    text = request.args.get("p", "")
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 10 and int(text) <= MAX_ID):
        return None
    found = _public_slug(Post.wp_post_id == int(text))
    if found is None:
        return None
    return redirect(url_for("blog.article", slug=found), code=301)
