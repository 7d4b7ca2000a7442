"""Articles: saving, publishing, and the public queries.

An article is public when it is published, or scheduled with its time in the past. The
public queries say so themselves (``public_posts_filter``), so a scheduled article appears
at its time with nobody acting. What must *happen* at publication (the
``article_published`` signal, once per article) is ``announce_due_articles``: called by the
request that publishes, and every minute by the worker for scheduled articles.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy.pagination import Pagination

from portal.core.database import rowcount
from portal.core.rendering import render_article
from portal.core.signals import ArticleNotice, article_published
from portal.extensions import db
from portal.models import Post, PostStatus, Tag, User
from portal.models.blog import post_tags, public_posts_filter
from portal.models.types import utcnow
from portal.web.pagination import paginate
from portal.web.urls import external_url

POSTS_PER_PAGE = 10
SLUG_MAX = 200
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_SLUG_MAX = 80

# Every list of articles shows authors and tags: loaded in the same round of queries.
POST_ROW = (so.joinedload(Post.author), so.selectinload(Post.tags))


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """``"Runner's Knee: 5 Myths"`` → ``"runners-knee-5-myths"`` (ASCII, lower case)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("'", "").replace("\u2019", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def unique_slug(base: str, *, exclude_post_id: int | None = None) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever no other article uses."""
    base = base or "article"
    query = sa.select(Post.slug).where(
        sa.or_(Post.slug == base, Post.slug.like(f"{base[: SLUG_MAX - 8]}-%"))
    )
    if exclude_post_id is not None:
        query = query.where(Post.id != exclude_post_id)
    taken = set(db.session.scalars(query))
    if base not in taken:
        return base
    number = 2
    while f"{base[: SLUG_MAX - 8]}-{number}" in taken:
        number += 1
    return f"{base[: SLUG_MAX - 8]}-{number}"


def slug_taken(slug: str, *, exclude_post_id: int | None = None) -> bool:
    query = sa.select(Post.id).where(Post.slug == slug)
    if exclude_post_id is not None:
        query = query.where(Post.id != exclude_post_id)
    return db.session.scalar(query) is not None


def parse_tags(text: str | None) -> list[str]:
    """``"Recovery, race week ,recovery"`` → ``["Recovery", "race week"]`` (no duplicates)."""
    names: dict[str, str] = {}
    for part in (text or "").split(","):
        name = " ".join(part.split())[:60]
        slug = slugify(name, TAG_SLUG_MAX)
        if slug and slug not in names:
            names[slug] = name
    return list(names.values())


def tags_for(names: list[str]) -> list[Tag]:
    """The tags named, created as needed (matched by slug, so "Race Week" = "race week")."""
    wanted = {slugify(name, TAG_SLUG_MAX): name for name in names}
    if not wanted:
        return []
    existing = {
        tag.slug: tag for tag in db.session.scalars(sa.select(Tag).where(Tag.slug.in_(wanted)))
    }
    tags = []
    for slug, name in wanted.items():
        tag = existing.get(slug)
        if tag is None:
            tag = Tag(name=name, slug=slug)
            db.session.add(tag)
        tags.append(tag)
    return tags


def bump_version(post_id: int) -> None:
    """Everything cached for this article's page is stale from the next request on."""
    db.session.execute(sa.update(Post).where(Post.id == post_id).values(version=Post.version + 1))


@dataclass(frozen=True)
class PostValues:
    title: str
    slug: str
    summary: str
    body_source: str
    tags: list[str]
    status: PostStatus
    publish_at: datetime | None
    send_by_email: bool


def save_post(post: Post, values: PostValues, *, author: User | None = None) -> Post:
    """Apply ``values`` to ``post`` (new or existing) and announce it if it is now public.

    The caller commits. The slug of an article that has been public is never changed here:
    the form refuses that (links and feeds out there point at it).
    """
    tags = tags_for(values.tags)
    if post.id is None:
        post.author_id = author.id if author else None
        post.tags = tags
        db.session.add(post)
    else:
        post.tags = tags  # an existing post comes with its tags loaded (``load_post``)
    post.title = values.title
    if not post.was_ever_public or not post.slug:
        post.slug = values.slug
    post.summary = values.summary
    if post.body_source != values.body_source or not post.body_html:
        post.body_source = values.body_source
        post.body_html = render_article(values.body_source, post.body_format or "markdown")
    post.status = values.status.value
    if values.status == PostStatus.PUBLISHED:
        post.publish_at = (
            post.publish_at
            if post.publish_at and post.was_ever_public
            else (values.publish_at or utcnow())
        )
        if post.publish_at > utcnow():  # "published" in the future is a schedule
            post.status = PostStatus.SCHEDULED.value
    else:
        post.publish_at = values.publish_at
    post.send_by_email = values.send_by_email
    post.version = (post.version or 0) + 1
    db.session.flush()
    announce_due_articles(post_ids=[post.id])
    return post


def load_post(post_id: int) -> Post:
    """Any article (draft or not) for the back office, with author and tags, else 404."""
    return db.one_or_404(sa.select(Post).where(Post.id == post_id).options(*POST_ROW))


def unpublish(post: Post) -> None:
    """Back to draft: gone from every public list at once (the caller commits).

    ``announced_at`` stays: publishing again does not email the newsletter a second time.
    """
    post.status = PostStatus.DRAFT.value
    post.version += 1


def delete_post(post: Post) -> None:
    db.session.delete(post)


def announce_due_articles(
    *, now: datetime | None = None, post_ids: list[int] | None = None
) -> list[int]:
    """Send ``article_published`` for each article that is public and was never announced.

    Exactly once per article: a conditional UPDATE (``announced_at IS NULL``) claims each
    one, so two workers, or a worker and a request, cannot both announce it. Receivers run
    in this transaction; the caller commits.
    """
    now = now or utcnow()
    query = sa.select(Post).where(public_posts_filter(now), Post.announced_at.is_(None))
    if post_ids is not None:
        query = query.where(Post.id.in_(post_ids))
    announced = []
    for post in db.session.scalars(query).all():
        claimed = db.session.execute(
            sa.update(Post)
            .where(Post.id == post.id, Post.announced_at.is_(None))
            .values(announced_at=now)
            .execution_options(synchronize_session=False)
        )
        if rowcount(claimed) != 1:
            continue
        post.announced_at = now
        article_published.send(
            post,
            article=ArticleNotice(
                id=post.id,
                slug=post.slug,
                title=post.title,
                summary=post.summary,
                html=post.body_html,
                url=external_url("blog.article", slug=post.slug),
                published_at=post.publish_at or now,
                send_by_email=post.send_by_email,
            ),
        )
        announced.append(post.id)
    return announced


# --- public queries ------------------------------------------------------------------------


def public_posts(now: datetime | None = None) -> sa.Select[Any]:
    return (
        sa.select(Post)
        .where(public_posts_filter(now or utcnow()))
        .order_by(Post.publish_at.desc(), Post.id.desc())
        .options(*POST_ROW)
    )


def latest_posts(limit: int = 3) -> list[Post]:
    return list(db.session.scalars(public_posts().limit(limit)).unique())


def posts_page(tag: Tag | None = None) -> Pagination:
    query = public_posts()
    if tag is not None:
        query = query.where(
            Post.id.in_(sa.select(post_tags.c.post_id).where(post_tags.c.tag_id == tag.id))
        )
    return paginate(query, per_page=POSTS_PER_PAGE)


def get_tag_or_none(slug: str) -> Tag | None:
    if len(slug) > TAG_SLUG_MAX:
        return None
    return db.session.scalar(sa.select(Tag).where(Tag.slug == slug))


def published_choices() -> list[tuple[str, str]]:
    """(slug, title) of every public article, newest first: the recommendation picker."""
    rows = db.session.execute(
        sa.select(Post.slug, Post.title)
        .where(public_posts_filter(utcnow()))
        .order_by(Post.publish_at.desc())
    )
    return [(slug, title) for slug, title in rows]


def titles_for_slugs(slugs: set[str]) -> dict[str, str]:
    """Titles of the public articles among ``slugs`` (one query, for pages that link many)."""
    if not slugs:
        return {}
    rows = db.session.execute(
        sa.select(Post.slug, Post.title).where(Post.slug.in_(slugs), public_posts_filter(utcnow()))
    )
    return {slug: title for slug, title in rows}
