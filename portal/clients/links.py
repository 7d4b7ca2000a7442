"""Where a recommendation's "further reading" link goes.

An ``article_slug`` wins once the practice's blog serves that article; until then (and for
recommendations without one) the stored http(s) ``link_url`` is used.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app, request
from werkzeug.exceptions import HTTPException

from portal.core.article_lookup import public_article_title
from portal.models import Recommendation

ALLOWED_SCHEMES = ("http", "https")


def is_web_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host: no ``javascript:``, no relative paths.

    White space and control characters anywhere refuse it: ``urlsplit`` silently drops tab,
    CR and LF (as browsers do), so ``https://x/a\r\nb`` would pass and then break the
    calendar feed, whose URI values may not hold a line break.
    """
    if not value or any(char.isspace() or not char.isprintable() for char in value):
        return False
    parts = urlsplit(value)
    return parts.scheme.lower() in ALLOWED_SCHEMES and bool(parts.netloc)


def article_url(slug: str) -> str | None:
    """The blog article's URL, if the blog exists and serves ``/blog/<slug>``.

    Articles live at ``/blog/<slug>`` (a public URL that old links rely on); matching that
    path against the URL map avoids naming the blog's view.
    """
    if "blog" not in current_app.blueprints:
        return None
    path = f"/blog/{quote(slug)}"
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    if not endpoint.startswith("blog."):
        return None
    # The blog says whether the article is public now (no link to a draft or a typo).
    if public_article_title(slug) is None:
        return None
    return request.script_root + path


def further_reading(recommendation: Recommendation) -> str | None:
    if recommendation.article_slug:
        url = article_url(recommendation.article_slug)
        if url:
            return url
    link = recommendation.link_url
    # A link stored before the form refused broken ones is not offered to anyone.
    return link if link and is_web_url(link) else None
