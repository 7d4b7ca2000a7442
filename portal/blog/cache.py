"""Rendered article pages and comment threads, cached per web process under the article's
version.

Why this is exact across processes: every write that changes what an article page shows
bumps ``posts.version`` in the same transaction (``portal.blog.posts.bump_version``; for
people and the practice's details, the flush hook below), and
every request reads the version from the database before it looks in the cache. A process
that cached version 7 simply never finds version 8 and renders afresh; no message between
processes is needed, and nothing is served after the change is committed.

What is cached: the comment thread (shared by everyone who may not edit a comment in it),
the whole page every anonymous reader shares (with its ``ETag``), and per role the whole
page of signed-in readers with their CSRF token and name left as placeholders, filled in
per request (``portal.blog.pages``).

Each entry is keyed by kind and article id and holds one version: a newer version replaces
it at once. The number of entries is bounded (least recently used goes first).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from portal.core.render_cache import GLOBAL, VersionedCache, track
from portal.models import Comment, Post, PracticeSettings, User


def page_cache() -> VersionedCache | None:
    """The app's cache, or None when ``BLOG_PAGE_CACHE`` is off."""
    if not current_app.config.get("BLOG_PAGE_CACHE", True):
        return None
    return current_app.extensions["blog_cache"]


def init_app(app: Flask) -> None:
    app.extensions["blog_cache"] = VersionedCache()
    if not sa.event.contains(Session, "before_flush", _people_and_practice_change_pages):
        sa.event.listen(Session, "before_flush", _people_and_practice_change_pages)


def _people_and_practice_change_pages(
    session: Session, flush_context: object, instances: object
) -> None:
    """Changes outside an article that its page shows, each bumping the versions of the
    pages that show it, in the same flush:

    - a person's name is on every page they wrote or commented on, and their role decides
      the staff badge beside their comments: renaming them (or deleting the account, which
      renames it "Deleted user") or changing their role makes those pages stale;
    - the practice's details (name in the title, the badge and ``og:site_name``; address,
      phone and hours in the footer) are on every page.
    """
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, PracticeSettings) and session.is_modified(obj):
            session.execute(_bump(sa.true()))
            return
    for obj in list(session.dirty):
        if isinstance(obj, User) and _shown_on_pages_changed(obj):
            written = Post.author_id == obj.id
            commented = Post.id.in_(sa.select(Comment.post_id).where(Comment.author_id == obj.id))
            session.execute(_bump(sa.or_(written, commented)))


def _shown_on_pages_changed(user: User) -> bool:
    state: sa.orm.InstanceState[User] = sa.inspect(user)
    return state.attrs.name.history.has_changes() or state.attrs.role.history.has_changes()


def _bump(which: sa.ColumnElement[bool]) -> sa.Update:
    return (
        sa.update(Post)
        .where(which)
        .values(version=Post.version + 1)
        .execution_options(synchronize_session=False)
    )


# Recommendations on clients' pages show the titles of the articles they link.
track(Post, lambda _post: [GLOBAL], attributes=("title", "slug", "status", "publish_at"))
