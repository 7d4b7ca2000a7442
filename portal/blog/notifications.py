"""Emails about comments: reply notifications (opt-in, per comment) and the staff digest.

- A commenter may ask to hear about replies to *their* comment, never the whole thread.
  A guest's address is confirmed first: the email's link opens a page whose button (POST)
  confirms, so nobody can sign another person up and link scanners confirm nothing.
- Every notification carries a stop link for that comment, with RFC 8058 headers: mail
  providers may POST ``List-Unsubscribe=One-Click`` to it; a person opening it gets a page
  with a button.
- Staff get a digest, not one email per held comment: ``send_held_digest`` runs every
  ``COMMENT_DIGEST_MINUTES`` (worker) and mails each active staff account once about the
  comments held since the last digest.

Links carry signed tokens (itsdangerous, keyed by ``SECRET_KEY``): the confirmation one
expires after 2 days, the stop one never does (an old email's stop link must keep working).
Their paths are listed in ``portal.web.log_redaction`` so they never reach access logs.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from portal.core.text import single_line
from portal.extensions import db
from portal.mail import enqueue_email
from portal.models import (
    Comment,
    CommentStatus,
    CommentSubscription,
    MailCategory,
    Post,
    Role,
    User,
)
from portal.models.types import utcnow
from portal.web.urls import external_url

CONFIRM_MAX_AGE = 2 * 24 * 3600
_CONFIRM_SALT = "blog.comment-notifications.confirm"
_STOP_SALT = "blog.comment-notifications.stop"


class BadLink(ValueError):
    """A confirm or stop link that is unreadable, expired, or names nothing."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _confirm_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_CONFIRM_SALT)


def _stop_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_STOP_SALT)


def confirm_token(subscription: CommentSubscription) -> str:
    return _confirm_signer().dumps(subscription.id)


def stop_token(subscription: CommentSubscription) -> str:
    return _stop_signer().dumps(subscription.id)


def _load(
    signer: URLSafeSerializer | URLSafeTimedSerializer, token: str, max_age: int | None = None
) -> CommentSubscription:
    if len(token) > 200:
        raise BadLink("This link is not valid.")
    try:
        if isinstance(signer, URLSafeTimedSerializer):
            subscription_id = signer.loads(token, max_age=max_age)
        else:
            subscription_id = signer.loads(token)
    except SignatureExpired:
        raise BadLink(
            "This link has expired. Ask for notifications again when you next comment."
        ) from None
    except BadSignature:
        raise BadLink("This link is not valid. Copy the whole address from the email.") from None
    if not isinstance(subscription_id, int):
        raise BadLink("This link is not valid.")
    subscription = db.session.get(CommentSubscription, subscription_id)
    if subscription is None:
        raise BadLink("This comment is no longer there, so there is nothing to change.")
    return subscription


def subscription_for_confirm_token(token: str) -> CommentSubscription:
    return _load(_confirm_signer(), token, max_age=CONFIRM_MAX_AGE)


def subscription_for_stop_token(token: str) -> CommentSubscription:
    return _load(_stop_signer(), token)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def subscribe(comment: Comment, *, email: str, confirmed: bool) -> CommentSubscription:
    """Ask for replies to ``comment`` at ``email``; a guest gets a confirmation email."""
    subscription = CommentSubscription(
        comment_id=comment.id, email=email, confirmed_at=utcnow() if confirmed else None
    )
    db.session.add(subscription)
    db.session.flush()
    if not confirmed:
        post = db.session.get(Post, comment.post_id)
        enqueue_email(
            to=email,
            to_name=comment.guest_name,
            subject="Confirm: email me replies to my comment",
            template="comment_notify_confirm",
            idempotency_key=f"comment-notify-confirm:{subscription.id}",
            context={
                "name": comment.guest_name,
                "article_title": post.title if post else "",
                "link": external_url(
                    "blog.confirm_notifications", token=confirm_token(subscription)
                ),
            },
        )
    return subscription


def confirm(subscription: CommentSubscription) -> None:
    if subscription.confirmed_at is None:
        subscription.confirmed_at = utcnow()


def stop(subscription: CommentSubscription) -> None:
    if subscription.stopped_at is None:
        subscription.stopped_at = utcnow()


def _excerpt(text: str, length: int = 300) -> str:
    flat = single_line(text)
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def display_name(comment: Comment, author: User | None) -> str:
    if author is not None:
        return author.name
    return comment.guest_name or "A reader"


def notify_parent_of_reply(reply: Comment, parent: Comment | None) -> None:
    """Queue "someone replied to your comment" if the parent's author asked for it.

    Sent once per reply (the idempotency key names the reply and the subscription), only for
    an approved reply, never to the replier themself.
    """
    if parent is None or reply.status != CommentStatus.APPROVED:
        return
    subscription = db.session.scalar(
        sa.select(CommentSubscription).where(CommentSubscription.comment_id == parent.id)
    )
    if subscription is None or not subscription.is_active:
        return
    if reply.email and reply.email == subscription.email:
        return
    post = db.session.get(Post, reply.post_id)
    if post is None:
        return
    author = db.session.get(User, reply.author_id) if reply.author_id else None
    stop_link = external_url("blog.stop_notifications", token=stop_token(subscription))
    enqueue_email(
        to=subscription.email,
        subject=f"New reply to your comment on “{post.title}”",
        template="comment_reply",
        idempotency_key=f"comment-reply:{reply.id}:subscription:{subscription.id}",
        context={
            "replier": display_name(reply, author),
            "article_title": post.title,
            "excerpt": _excerpt(reply.body_source),
            "link": external_url("blog.article", slug=post.slug, _anchor=f"comment-{reply.id}"),
            "stop_link": stop_link,
        },
        headers={
            "List-Unsubscribe": f"<{stop_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        category=MailCategory.TRANSACTIONAL,
    )


def send_held_digest(now: datetime | None = None) -> int:
    """Mail each active staff account about comments held since the last digest.

    Returns how many comments the digest covered. The comments are marked in the same
    transaction, so a digest never repeats and none is skipped.
    """
    now = now or utcnow()
    held = db.session.execute(
        sa.select(Comment.id, Comment.guest_name, Comment.body_source, Post.title, User.name)
        .join(Post, Post.id == Comment.post_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.status == CommentStatus.PENDING.value, Comment.staff_notified_at.is_(None))
        .order_by(Comment.id)
    ).all()
    if not held:
        return 0
    ids = [row.id for row in held]
    db.session.execute(sa.update(Comment).where(Comment.id.in_(ids)).values(staff_notified_at=now))
    staff = db.session.scalars(
        sa.select(User).where(
            User.role.in_([Role.STAFF.value, Role.ADMIN.value]), User.is_active_account
        )
    ).all()
    items = [
        {
            "article_title": row.title,
            "who": row.name or row.guest_name or "A reader",
            "excerpt": _excerpt(row.body_source, 160),
        }
        for row in held[:20]
    ]
    for person in staff:
        enqueue_email(
            to=person.email,
            to_name=person.name,
            subject=f"{len(held)} comment{'s' if len(held) != 1 else ''} awaiting moderation",
            template="comments_held",
            idempotency_key=f"comments-held:{ids[-1]}:staff:{person.id}",
            context={
                "name": person.name,
                "count": len(held),
                "items": items,
                "more": max(0, len(held) - len(items)),
                "link": external_url("staff.comments"),
            },
        )
    return len(held)
