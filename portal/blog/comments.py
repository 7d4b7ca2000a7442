"""Comments: posting, the moderation rules, editing and deleting, staff moderation.

The rules, in one place:

- A comment is held for moderation when its author is not known to have an approved
  comment (members by account; guests only by the browser that wrote an approved comment
  with the same address, see ``portal.blog.returning``), when its rendered HTML has more
  than ``COMMENT_MAX_LINKS`` links, or when it contains a word of the staff's list. Staff
  comments are never held.
- Flood control: one comment per ``COMMENT_FLOOD_SECONDS`` per IP address and per email
  address, counted in the database so every web process agrees.
- Members may edit or delete their own comment for ``EDIT_WINDOW`` after posting. An edit
  goes through the same rules as a new comment: one that breaks a rule is held again.

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

from portal.blog import notifications, returning
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
    # Guest comments this browser wrote (``portal.blog.returning``): how a guest is known.
    written_here: tuple[int, ...] = ()


def blocked_words() -> list[str]:
    return list(db.session.scalars(sa.select(BlockedWord.word).order_by(BlockedWord.word)))


def contains_blocked_word(text: str, words: Iterable[str]) -> bool:
    """Whole words or phrases, any case: "casino" holds "Casino!" but not "occasional"."""
    for word in words:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, flags=re.IGNORECASE):
            return True
    return False


def member_has_approved_comment(author: User) -> bool:
    found = db.session.scalar(
        sa.select(Comment.id)
        .where(Comment.status == CommentStatus.APPROVED.value, Comment.author_id == author.id)
        .limit(1)
    )
    return found is not None


def is_known_author(author: User | None, email: str | None, written_here: Iterable[int]) -> bool:
    """A member by account; a guest only through the browser that wrote an approved comment
    with this address. What a guest types (name, address) is no proof: both may be known to
    anyone, and the answer must not tell whether an address has commented before."""
    if author is not None:
        return member_has_approved_comment(author)
    return returning.is_returning_guest(email, list(written_here))


def content_needs_review(body: str, body_html: str) -> bool:
    """Links are counted in the rendered HTML, so every spelling that became a link counts."""
    too_many_links = count_links(body_html) > current_app.config["COMMENT_MAX_LINKS"]
    return too_many_links or contains_blocked_word(body, blocked_words())


def needs_moderation(
    author: User | None,
    body: str,
    body_html: str,
    *,
    email: str | None,
    written_here: Iterable[int] = (),
) -> bool:
    """The rules of a new comment, and of an edit: staff never; otherwise the content rules,
    then whether the author is known."""
    if author is not None and author.is_staff:
        return False
    return content_needs_review(body, body_html) or not is_known_author(author, email, written_here)


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
    body_html = render_comment_markdown(new.body)
    held = needs_moderation(author, new.body, body_html, email=email, written_here=new.written_here)
    comment = Comment(
        post_id=post.id,
        parent_id=parent.id if parent else None,
        author_id=author.id if author is not None else None,
        guest_name=None if author is not None else new.guest_name,
        email=email,
        body_source=new.body,
        body_html=body_html,
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


def edit_comment(comment: Comment, body: str, *, author: User) -> None:
    """Replace the text (within the window; the caller checks) and check it as a new comment
    by ``author``: an edit that breaks a rule is held again, whether or not the comment was
    approved, so an edit cannot slip past what would have held the comment."""
    comment.body_source = body
    comment.body_html = render_comment_markdown(body)
    comment.edited_at = utcnow()
    if comment.status == CommentStatus.APPROVED and needs_moderation(
        author, body, comment.body_html, email=comment.email
    ):
        comment.status = CommentStatus.PENDING.value
        comment.staff_notified_at = None  # the next digest tells staff about it again
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


RESTORABLE = frozenset(
    status.value
    for status in (
        CommentStatus.PENDING,
        CommentStatus.APPROVED,
        CommentStatus.SPAM,
        CommentStatus.TRASH,
    )
)


def restore(previous: dict[int, tuple[str, str]]) -> list[Comment]:
    """Undo moderation: ``previous`` maps a comment id to ``(status it was given, status it
    had)``; each comment still in the status it was given goes back (the caller audits and
    commits). A comment someone has changed since is left alone. An approval's reply
    notification, once queued, is not called back."""
    if not previous:
        return []
    found = db.session.scalars(sa.select(Comment).where(Comment.id.in_(sorted(previous)))).all()
    restored = []
    for comment in found:
        given, had = previous[comment.id]
        if comment.status == given and had in RESTORABLE and had != given:
            comment.status = had
            restored.append(comment)
    for post_id in {comment.post_id for comment in restored}:
        bump_version(post_id)
    return restored


def held_count() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Comment)
            .where(Comment.status == CommentStatus.PENDING.value)
        )
        or 0
    )
