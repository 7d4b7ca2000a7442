"""``/<slug>``: a published page; ``/<slug>/`` (the WordPress spelling) answers 301 to it.

The routes match a slug that no other route starts with (``PageSlugConverter``), so
``/blog/`` and ``/login`` are never pages.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.models import Page
from portal.pages import bp
from portal.pages.placeholders import fill_in
from portal.pages.services import PRIVACY_SLUG, SLUG_MAX, privacy_notice, published_page


def page_or_404(slug: str) -> Page:
    """The published page at ``slug``; at ``/privacy`` the site's own notice when staff have
    published none; else 404 (drafts are not there for readers)."""
    if len(slug) > SLUG_MAX:
        abort(404)
    found = published_page(slug)
    if found is None and slug == PRIVACY_SLUG:
        found = privacy_notice()
    if found is None:
        abort(404)
    return found


@bp.route("/<page:slug>")
def page(slug: str) -> str:
    found = page_or_404(slug)
    return render_template("pages/page.html", page=found, body=fill_in(found.body_html))


@bp.route("/<page:slug>/")
def page_with_slash(slug: str) -> Response:
    return redirect(url_for(".page", slug=page_or_404(slug).slug), code=301)
