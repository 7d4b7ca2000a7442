"""Demo blog: six articles by the demo therapist, and a lively discussion of more than 200
approved comments under the race-week article, so the demo and the page benchmark show a
real page. Two comments wait in the moderation queue, so the back office has one to show.

Idempotent: an article that exists (by slug) is left alone, and the discussion is only
written together with its article. Comments go in with one bulk INSERT per level of
replies, so ``flask seed-demo`` stays quick.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa

from portal.blog.posts import tags_for
from portal.core.rendering import render_article_markdown, render_comment_markdown
from portal.demo.articles import (
    ARTICLES,
    FOLLOW_UPS,
    OPENERS,
    POPULAR_SLUG,
    READER_REPLIES,
    READER_REPLIES_FOR,
    READERS,
    THERAPIST_ANSWER_FOR,
    THERAPIST_REPLIES,
)
from portal.extensions import db
from portal.models import Comment, CommentStatus, Post, PostStatus, User
from portal.models.types import utcnow

THERAPIST_EMAIL = "therapist@example.com"
DISCUSSION_SIZE = 230

# Small variations so that two readers with similar questions do not read as copies.
TAILS = [
    "",
    "",
    " Thanks for writing this up.",
    " Would love to hear what others do.",
    " (Long-time reader, first comment.)",
    " Any thoughts?",
]  # fmt: skip


def seed() -> list[str]:
    therapist = db.session.scalar(sa.select(User).where(User.email == THERAPIST_EMAIL))
    if therapist is None:
        return ["blog: no demo therapist, no articles"]
    existing = set(db.session.scalars(sa.select(Post.slug)))
    now = utcnow()
    created = []
    for article in ARTICLES:
        if article["slug"] in existing:
            continue
        when = now - timedelta(days=int(str(article["days_ago"])), hours=3)
        body = str(article["body"])
        post = Post(
            slug=str(article["slug"]),
            title=str(article["title"]),
            summary=str(article["summary"]),
            body_source=body,
            body_html=render_article_markdown(body),
            author_id=therapist.id,
            status=PostStatus.PUBLISHED.value,
            publish_at=when,
            announced_at=when,  # demo articles are not news: the newsletter never mails them
            created_at=when,
            tags=tags_for([str(tag) for tag in cast("list[object]", article["tags"])]),
        )
        db.session.add(post)
        db.session.flush()
        created.append(post)
        if post.slug == POPULAR_SLUG:
            add_discussion(post, therapist)
            add_held_comments(post)
    db.session.commit()
    if not created:
        return ["demo articles already present"]
    return [f"demo articles created: {len(created)}"]


def _row(post: Post, when: Any, text: str, parent_id: int | None, author: User | None,
         name: str | None) -> dict[str, Any]:  # fmt: skip
    return {
        "post_id": post.id,
        "parent_id": parent_id,
        "author_id": author.id if author else None,
        "guest_name": None if author else name,
        "email": author.email if author else f"{_handle(name or 'reader')}@example.com",
        "body_source": text,
        "body_html": render_comment_markdown(text),
        "status": CommentStatus.APPROVED.value,
        "created_at": when,
        "moderated_at": when,
    }


def _handle(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum()) or "reader"


def _insert(rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    result = db.session.scalars(
        sa.insert(Comment).returning(Comment.id, sort_by_parameter_order=True), rows
    )
    return list(result)


# Held for the queue: a first comment from a new address, and one with too many links.
HELD = [
    (
        "Noor",
        "First time here. My half marathon is on a Sunday and the only slot I can get is the "
        "Thursday evening before. Is three days out still fine, or should I skip it?",
    ),
    (
        "Recovery Gear Deals",
        "Great post! Compare foam rollers at https://rollers.example, massage guns at "
        "https://guns.example and compression socks at https://socks.example.",
    ),
]


def add_held_comments(post: Post) -> None:
    """Two guest comments awaiting moderation (the rules that held them: docs/blog.md)."""
    when = utcnow() - timedelta(hours=2)
    rows = []
    for minutes, (name, text) in enumerate(HELD):
        row = _row(post, when + timedelta(minutes=17 * minutes), text, None, None, name)
        rows.append({**row, "status": CommentStatus.PENDING.value, "moderated_at": None})
    _insert(rows)


def add_discussion(post: Post, therapist: User, size: int = DISCUSSION_SIZE) -> int:
    """Threads of questions, readers' replies and the therapist's answers (deterministic)."""
    rng = random.Random(20261129)
    start = post.publish_at or utcnow()
    span = max(1.0, (utcnow() - start).total_seconds() - 3600)
    threads = []
    total = 0
    number = 0
    while total < size:
        opener_author = rng.choice(READERS)
        opened = start + timedelta(seconds=rng.uniform(600, span))
        topic = number % len(OPENERS)
        text = OPENERS[topic] + rng.choice(TAILS)
        replies: list[tuple[str, str | None]] = []  # (text, reader name; None: the therapist)
        if topic in THERAPIST_ANSWER_FOR and rng.random() < 0.75:
            replies.append((THERAPIST_REPLIES[THERAPIST_ANSWER_FOR[topic]], None))
        fitting = READER_REPLIES_FOR.get(topic, []) + READER_REPLIES
        others = [reader for reader in READERS if reader != opener_author]
        for _ in range(rng.choice((0, 1, 1, 2))):
            replies.append((rng.choice(fitting), rng.choice(others)))
        # The asker thanks the therapist (a follow-up only ever answers the practice).
        answered = bool(replies) and replies[0][1] is None
        follow_up = rng.choice(FOLLOW_UPS) if answered and rng.random() < 0.7 else None
        threads.append((opened, opener_author, text, replies, follow_up))
        total += 1 + len(replies) + (1 if follow_up else 0)
        number += 1

    top_rows = [_row(post, opened, text, None, None, who) for opened, who, text, _, _ in threads]
    top_ids = _insert(top_rows)
    reply_rows, reply_meta = [], []
    for top_id, (opened, who, _, replies, follow_up) in zip(top_ids, threads, strict=True):
        for index, (text, reader) in enumerate(replies):
            when = opened + timedelta(hours=1 + 3 * index, minutes=rng.randint(0, 50))
            author = therapist if reader is None else None
            reply_rows.append(_row(post, when, text, top_id, author, reader))
            reply_meta.append((when, who, follow_up if index == 0 else None))
    reply_ids = _insert(reply_rows)
    follow_rows = [
        _row(post, when + timedelta(hours=2), text, reply_id, None, who)
        for reply_id, (when, who, text) in zip(reply_ids, reply_meta, strict=True)
        if text
    ]
    _insert(follow_rows)
    post.version += 1
    return len(top_rows) + len(reply_rows) + len(follow_rows)
