"""An article's comments as a tree, ready for the template.

Three levels are shown (a comment, replies, replies to replies); a deeper reply is shown
with the deepest shown level, after the comment it answers, so no conversation gets
narrower than a phone screen. A comment that was deleted, trashed or marked as spam but has
visible replies leaves a placeholder, so the replies still read as answers to something.

One query loads the comments with their authors, whatever their number.

A long conversation comes in pages of top-level threads (``COMMENT_THREADS_PER_PAGE``, 50 by
default), oldest first as WordPress does: a thread is never split, a reply is on the page
of the comment it answers, and ``page_of`` finds the page of any comment, so its link
(``comment_path``) always lands on it. Page 1 is the article's own address; the others add
``?page=N``. What a page shows depends on the URL alone, so it can be cached per URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, url_for

from portal.extensions import db
from portal.models import Comment, CommentStatus

MAX_DEPTH = 2  # 0: a comment, 1: a reply, 2: a reply to a reply (and anything deeper)


@dataclass
class ThreadNode:
    id: int
    comment: Comment | None  # None: a placeholder for a comment that is gone
    depth: int = 0
    children: list[ThreadNode] = field(default_factory=list)
    held: bool = False  # awaiting moderation (only ever shown to its author)
    editable: bool = False  # its author may still edit or delete it (this request only)
    in_reply_to: str | None = None  # for replies shown flat below the deepest level

    @property
    def removed(self) -> bool:
        return self.comment is None or self.comment.status == CommentStatus.DELETED

    @property
    def author_name(self) -> str:
        comment = self.comment
        if comment is None:
            return ""
        if comment.author is not None:
            return comment.author.name
        return comment.guest_name or "A reader"

    @property
    def by_staff(self) -> bool:
        return bool(self.comment and self.comment.author and self.comment.author.is_staff)

    @property
    def created_at(self) -> datetime | None:
        return self.comment.created_at if self.comment else None


@dataclass
class Thread:
    roots: list[ThreadNode]
    approved_count: int
    by_id: dict[int, ThreadNode]
    root_index: dict[int, int] = field(default_factory=dict)  # comment id → its thread's index

    def page_of(self, comment_id: int, per_page: int) -> int | None:
        """The page (from 1) that shows ``comment_id``; None if it is not shown at all."""
        index = self.root_index.get(comment_id)
        return None if index is None else index // per_page + 1

    def page_count(self, per_page: int) -> int:
        return max(1, -(-len(self.roots) // per_page))

    def page(self, number: int, per_page: int) -> ThreadPage | None:
        """Page ``number`` of the threads; None past the last page."""
        count = self.page_count(per_page)
        if not 1 <= number <= count:
            return None
        start = (number - 1) * per_page
        return ThreadPage(
            thread=self, number=number, count=count, roots=self.roots[start : start + per_page]
        )


@dataclass
class ThreadPage:
    thread: Thread
    number: int
    count: int
    roots: list[ThreadNode]

    @property
    def approved_count(self) -> int:
        return self.thread.approved_count


def threads_per_page() -> int:
    return int(current_app.config["COMMENT_THREADS_PER_PAGE"])


def page_query(number: int) -> dict[str, Any]:
    """The query string of page ``number``: page 1 is the article's own address."""
    return {} if number <= 1 else {"page": number}


def comment_path(slug: str, thread: Thread, comment_id: int) -> str:
    """The address of a comment on its page, with its anchor."""
    number = thread.page_of(comment_id, threads_per_page()) or 1
    return url_for("blog.article", slug=slug, **page_query(number), _anchor=f"comment-{comment_id}")


def load_comments(post_id: int, *, held_ids: Iterable[int] = ()) -> list[Comment]:
    """The article's approved comments, deleted ones (placeholders), and the held comments
    ``held_ids`` (this browser's own), oldest first, authors loaded in the same query."""
    visible: sa.ColumnElement[bool] = Comment.status.in_(
        [CommentStatus.APPROVED.value, CommentStatus.DELETED.value]
    )
    held_ids = list(held_ids)
    if held_ids:
        visible = sa.or_(
            visible,
            sa.and_(Comment.id.in_(held_ids), Comment.status == CommentStatus.PENDING.value),
        )
    return list(
        db.session.scalars(
            sa.select(Comment)
            .where(Comment.post_id == post_id, visible)
            .order_by(Comment.created_at, Comment.id)
            .options(so.joinedload(Comment.author))
        )
    )


def build_thread(comments: list[Comment], *, editable_ids: Iterable[int] = ()) -> Thread:
    editable = set(editable_ids)
    nodes: dict[int, ThreadNode] = {
        c.id: ThreadNode(
            id=c.id,
            comment=c,
            held=c.status == CommentStatus.PENDING,
            editable=c.id in editable,
        )
        for c in comments
    }
    roots: list[ThreadNode] = []
    placeholders: dict[int, ThreadNode] = {}
    for comment in comments:
        node = nodes[comment.id]
        parent_id = comment.parent_id
        if parent_id is None:
            roots.append(node)
            continue
        parent = nodes.get(parent_id)
        if parent is None:
            # The parent was trashed or marked as spam: keep the reply under a placeholder.
            parent = placeholders.get(parent_id)
            if parent is None:
                parent = placeholders[parent_id] = ThreadNode(id=parent_id, comment=None)
                roots.append(parent)
        parent.children.append(node)

    shown: list[ThreadNode] = []
    for root in roots:
        _flatten_deep(root, 0)
        if _has_content(root):
            shown.append(root)
    roots = sorted(shown, key=lambda n: (n.created_at is None, n.created_at, n.id))
    approved = sum(1 for c in comments if c.status == CommentStatus.APPROVED)
    root_index: dict[int, int] = {}
    for index, root in enumerate(roots):
        stack = [root]
        while stack:
            node = stack.pop()
            root_index[node.id] = index
            stack.extend(node.children)
    return Thread(roots=roots, approved_count=approved, by_id=nodes, root_index=root_index)


def _flatten_deep(node: ThreadNode, depth: int) -> None:
    """Set depths; children of a node at ``MAX_DEPTH`` join it as its following siblings'
    replies, i.e. they are listed under the deepest shown level, in order."""
    node.depth = depth
    if depth < MAX_DEPTH:
        kept = []
        for child in node.children:
            _flatten_deep(child, depth + 1)
            if _has_content(child):
                kept.append(child)
        node.children = kept
        return
    # At the deepest level: everything below becomes a flat list after this node, which
    # the parent shows in order (replies answer the comment just above them).
    descendants: list[ThreadNode] = []
    stack = [(child, node) for child in reversed(node.children)]
    while stack:
        child, parent = stack.pop()
        child.depth = depth
        child.in_reply_to = parent.author_name or None
        descendants.append(child)
        stack.extend((grandchild, child) for grandchild in reversed(child.children))
        child.children = []
    node.children = [d for d in descendants if not d.removed]


def _has_content(node: ThreadNode) -> bool:
    return not node.removed or any(_has_content(child) for child in node.children)
