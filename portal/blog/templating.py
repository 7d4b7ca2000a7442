"""What templates elsewhere may use from the blog: the latest articles (home page) and the
title of a recommended article (client portal, back office)."""

from __future__ import annotations

from flask import g
from flask.blueprints import BlueprintSetupState

from portal.blog import bp, posts
from portal.models import Post
from portal.web.urls import external_url

bp.add_app_template_global(external_url, "external_url")


@bp.app_template_global("latest_articles")
def latest_articles(limit: int = 3) -> list[Post]:
    return posts.latest_posts(limit)


@bp.record_once
def _offer_titles(state: BlueprintSetupState) -> None:
    # ``portal.clients.links`` asks this before linking a recommended article.
    state.app.extensions["public_article_title"] = article_title


@bp.app_template_global("article_title")
def article_title(slug: str | None) -> str | None:
    """The public article's title for ``slug``; all titles are read once per request."""
    if not slug:
        return None
    titles = g.get("blog_article_titles")
    if titles is None:
        titles = g.blog_article_titles = dict(posts.published_choices())
    return titles.get(slug)
