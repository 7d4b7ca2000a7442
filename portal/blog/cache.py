"""Rendered article pages and comment threads, cached per web process under the article's
version.

Why this is exact across processes: every write that changes what an article page shows
bumps ``posts.version`` in the same transaction (``portal.blog.posts.bump_version``), and
every request reads the version from the database before it looks in the cache. A process
that cached version 7 simply never finds version 8 and renders afresh; no message between
processes is needed, and nothing is served after the change is committed.

What is cached: the comment thread (shared by everyone who may not edit a comment in it),
and for anonymous readers the whole page with the CSRF token and the comment form's
signed timestamp left as placeholders, filled in per request.

Each entry is keyed by kind and article id and holds one version: a newer version replaces
it at once. The number of entries is bounded (least recently used goes first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from portal.models import Comment, Post, User

MAX_ENTRIES = 2048


class VersionedCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[str, int], tuple[int, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, kind: str, post_id: int, version: int) -> Any:
        key = (kind, post_id)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, kind: str, post_id: int, version: int, value: object) -> None:
        key = (kind, post_id)
        with self._lock:
            current = self._entries.get(key)
            if current is not None and current[0] > version:
                return  # a slower request rendered an older version: keep the newer one
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def page_cache() -> VersionedCache | None:
    """The app's cache, or None when ``BLOG_PAGE_CACHE`` is off."""
    if not current_app.config.get("BLOG_PAGE_CACHE", True):
        return None
    return current_app.extensions["blog_cache"]


def init_app(app: Flask) -> None:
    app.extensions["blog_cache"] = VersionedCache()
    if not sa.event.contains(Session, "before_flush", _renames_change_pages):
        sa.event.listen(Session, "before_flush", _renames_change_pages)


def _renames_change_pages(session: Session, flush_context: object, instances: object) -> None:
    """A commenter's name is on every page they commented on: renaming them (or deleting
    the account, which renames it "Deleted user") makes those pages stale."""
    for obj in list(session.dirty):
        if isinstance(obj, User) and sa.inspect(obj).attrs.name.history.has_changes():
            session.execute(
                sa.update(Post)
                .where(Post.id.in_(sa.select(Comment.post_id).where(Comment.author_id == obj.id)))
                .values(version=Post.version + 1)
                .execution_options(synchronize_session=False)
            )
