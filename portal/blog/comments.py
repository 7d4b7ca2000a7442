"""Comments: posting, the moderation rules, editing and deleting, staff moderation.

The rules, in one place:

- A comment is held for moderation when its author has no approved comment yet (members
  by account, guests by email address among guest comments), when it has more than
  ``COMMENT_MAX_LINKS`` links, or when it contains a word of the staff's list. Staff
  comments are never held.
- Flood control: one comment per ``COMMENT_FLOOD_SECONDS`` per IP address and per email
  address, counted in the database so every web process agrees.
- Members may edit or delete their own comment for ``EDIT_WINDOW`` after posting. An edit
  goes through the link and word rules again.

Every change that alters what the article page shows bumps the article's version (see
``portal.models.blog``), so cached pages are never stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.blog import notifications
from portal.blog.posts import bump_version
from portal.core.rendering import count_links, render_comment_markdown
from portal.extensions import db
from portal.models import BlockedWord, Comment, CommentStatus, Post, User
from portal.models.types import utcnow

EDIT_WINDOW = timedelta(minutes=15)


class CommentRefused(ValueError):
    """The comment cannot be accepted as sent; ``field`` says where to show ``message``."""

    def __init__(self, message: str, field: str = "body") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class NewComment:
    body: str
    parent_id: int | None
    notify: bool
    ip_address: str | None
    guest_name: str | None = None
    guest_email: str | None = None


def blocked_words() -> list[str]:
    return list(db.session.scalars(sa.select(BlockedWord.word).order_by(BlockedWord.word)))


def contains_blocked_word(text: str, words: Iterable[str]) -> bool:
    """Whole words or phrases, any case: "casino" holds "Casino!" but not "occasional"."""
    for word in words:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags=re.IGNORECASE):
            return True
    return False


def has_approved_comment(*, author: User | None, email: str | None) -> bool:
    query = sa.select(Comment.id).where(Comment.status == CommentStatus.APPROVED.value)
    if author is not None:
        query = query.where(Comment.author_id == author.id)
    else:
        # A guest is known by the address alone, and only among guest comments: typing a
        # member's address does not borrow the member's standing.
        query = query.where(Comment.author_id.is_(None), Comment.email == email)
    return db.session.scalar(query.limit(1)) is not None


def content_needs_review(body: str) -> bool:
    too_many_links = count_links(body) > current_app.config["COMMENT_MAX_LINKS"]
    return too_many_links or contains_blocked_word(body, blocked_words())


def check_flood(*, ip_address: str | None, email: str | None, now: datetime) -> None:
    since = now - timedelta(seconds=current_app.config["COMMENT_FLOOD_SECONDS"])
    who = []
    if ip_address:
        who.append(Comment.ip_address == ip_address)
    if email:
        who.append(Comment.email == email)
    if not who:
        return
    recent = db.session.scalar(
        sa.select(Comment.id).where(Comment.created_at > since, sa.or_(*who)).limit(1)
    )
    if recent is not None:
        raise CommentRefused(
            "You have just posted a comment. Please wait a few seconds and send this one again."
        )


def find_parent(post: Post, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = db.session.scalar(
        sa.select(Comment).where(
            Comment.id == parent_id,
            Comment.post_id == post.id,
            Comment.status == CommentStatus.APPROVED.value,
        )
    )
    if parent is None:
        raise CommentRefused("The comment you are replying to is no longer there.")
    return parent


def post_comment(post: Post, new: NewComment, *, author: User | None) -> Comment:
    """Add a comment (approved or held) and queue what follows from it; the caller commits.

    Raises ``CommentRefused`` (flood control, a vanished parent).
    """
    now = utcnow()
    email = author.email if author is not None else new.guest_email
    check_flood(ip_address=new.ip_address, email=email, now=now)
    parent = find_parent(post, new.parent_id)
    held = not (author is not None and author.is_staff) and (
        content_needs_review(new.body) or not has_approved_comment(author=author, email=email)
    )
    comment = Comment(
        post_id=post.id,
        parent_id=parent.id if parent else None,
        author_id=author.id if author is not None else None,
        guest_name=None if author is not None else new.guest_name,
        email=email,
        body_source=new.body,
        body_html=render_comment_markdown(new.body),
        status=(CommentStatus.PENDING if held else CommentStatus.APPROVED).value,
        ip_address=new.ip_address,
        created_at=now,
    )
    db.session.add(comment)
    db.session.flush()
    if new.notify and email:
        notifications.subscribe(comment, email=email, confirmed=author is not None)
    if not held:
        comment.moderated_at = now
        bump_version(post.id)
        notifications.notify_parent_of_reply(comment, parent)
    return comment


# --- a member's own comments -------------------------------------------------------------


def get_own_comment(comment_id: int, user: User) -> Comment:
    """Comment ``comment_id`` if ``user`` wrote it and it is not gone, else 404.

    Someone else's comment is a 404, not a 403, like every scoped lookup of this site.
    """
    return db.one_or_404(
        sa.select(Comment).where(
            Comment.id == comment_id,
            Comment.author_id == user.id,
            Comment.status.in_([CommentStatus.APPROVED.value, CommentStatus.PENDING.value]),
        )
    )


def can_still_change(comment: Comment, now: datetime | None = None) -> bool:
    return (now or utcnow()) - comment.created_at <= EDIT_WINDOW


def edit_comment(comment: Comment, body: str) -> None:
    """Replace the text (within the window; the caller checks). Links and words are checked
    again: an edit cannot slip past what would have held the comment."""
    comment.body_source = body
    comment.body_html = render_comment_markdown(body)
    comment.edited_at = utcnow()
    if comment.status == CommentStatus.APPROVED and content_needs_review(body):
        comment.status = CommentStatus.PENDING.value
    bump_version(comment.post_id)


def delete_own_comment(comment: Comment) -> None:
    """Gone from the page; replies to it stay, under a "comment deleted" placeholder."""
    comment.status = CommentStatus.DELETED.value
    comment.body_source = ""
    comment.body_html = ""
    bump_version(comment.post_id)


# --- staff moderation ----------------------------------------------------------------------

MODERATION_ACTIONS = {
    "approve": CommentStatus.APPROVED,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.TRASH,
}


def moderate(comment_ids: Iterable[int], action: str) -> list[Comment]:
    """Approve, mark as spam or trash these comments (the caller audits and commits)."""
    status = MODERATION_ACTIONS[action]
    ids = sorted(set(comment_ids))
    if not ids:
        return []
    comments = db.session.scalars(
        sa.select(Comment).where(Comment.id.in_(ids), Comment.status != CommentStatus.DELETED.value)
    ).all()
    now = utcnow()
    for comment in comments:
        was_approved = comment.status == CommentStatus.APPROVED
        comment.status = status.value
        comment.moderated_at = now
        if status == CommentStatus.APPROVED and not was_approved:
            parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
            notifications.notify_parent_of_reply(comment, parent)
    for post_id in {comment.post_id for comment in comments}:
        bump_version(post_id)
    return list(comments)


def held_count() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Comment)
            .where(Comment.status == CommentStatus.PENDING.value)
        )
        or 0
    )
