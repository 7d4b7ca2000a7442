"""What templates elsewhere may use from the blog: the latest articles (home page), the
title of a recommended article (client portal, back office) and the signed-in person's own
comments (account page)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g
from flask.blueprints import BlueprintSetupState
from flask_login import current_user

from portal.blog import bp, comments, posts
from portal.core import article_lookup
from portal.extensions import db
from portal.models import Comment, CommentStatus, Post
from portal.web.urls import external_url

bp.add_app_template_global(external_url, "external_url")


@bp.app_template_global("latest_articles")
def latest_articles(limit: int = 3) -> list[Post]:
    return posts.latest_posts(limit)


@bp.record_once
def _offer_titles(state: BlueprintSetupState) -> None:
    article_lookup.provide(state.app, article_title)


@bp.app_template_global("article_title")
def article_title(slug: str | None) -> str | None:
    """The public article's title for ``slug``; all titles are read once per request."""
    if not slug:
        return None
    titles = g.get("blog_article_titles")
    if titles is None:
        titles = g.blog_article_titles = dict(posts.published_choices())
    return titles.get(slug)


OWN_COMMENTS_SHOWN = 20
STATUS_WORDS = {
    CommentStatus.APPROVED.value: "Published",
    CommentStatus.PENDING.value: "Awaiting moderation",
    CommentStatus.SPAM.value: "Not published",
    CommentStatus.TRASH.value: "Not published",
}


@dataclass(frozen=True)
class OwnComment:
    comment: Comment
    status: str
    editable: bool


@bp.app_template_global("own_comments")
def own_comments() -> tuple[list[OwnComment], int]:
    """The signed-in person's latest comments (not the ones they deleted), newest first,
    with how many they have in all: for their account page."""
    if not current_user.is_authenticated:
        return [], 0
    mine = sa.and_(
        Comment.author_id == current_user.id, Comment.status != CommentStatus.DELETED.value
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Comment).where(mine)) or 0
    found = db.session.scalars(
        sa.select(Comment)
        .where(mine)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(OWN_COMMENTS_SHOWN)
        .options(so.joinedload(Comment.post))
    ).all()
    return [
        OwnComment(
            comment=comment,
            status=STATUS_WORDS.get(comment.status, "Not published"),
            editable=comment.status in (CommentStatus.APPROVED, CommentStatus.PENDING)
            and comments.can_still_change(comment),
        )
        for comment in found
    ], total
