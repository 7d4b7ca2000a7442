"""Emails about comments: reply notifications (opt-in, per comment) and the staff digest.

- A commenter may ask to hear about replies to *their* comment, never the whole thread.
  A guest's address is confirmed first, once: the email's link opens a page whose button
  (POST) confirms the address for all its subscriptions, so nobody can sign another person
  up and link scanners confirm nothing. An address gets at most one confirmation email
  while its link lives (``CONFIRM_MAX_AGE``), and none once confirmed; the email names
  nobody (a guest's name is whatever the requester typed) and spends from the address's
  daily budget of emails that anybody can cause (``portal.mail.budget``).
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
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from portal.auth.equal_work import rehearsal
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


def _address_state(email: str, now: datetime) -> tuple[bool, bool]:
    """Whether ``email`` confirmed reply notifications, and whether a confirmation email
    went to it within the life of its link (one query)."""
    confirmed_at, sent_at = db.session.execute(
        sa.select(
            sa.func.max(CommentSubscription.confirmed_at),
            sa.func.max(CommentSubscription.confirm_sent_at),
        ).where(CommentSubscription.email == email)
    ).one()
    recently_asked = sent_at is not None and sent_at > now - timedelta(seconds=CONFIRM_MAX_AGE)
    return confirmed_at is not None, recently_asked


def subscribe(comment: Comment, *, email: str, confirmed: bool) -> CommentSubscription:
    """Ask for replies to ``comment`` at ``email`` (``confirmed``: a member's account address).

    A guest's address that confirmed before is on at once; one that has not gets a
    confirmation email, unless one went to it within ``CONFIRM_MAX_AGE`` (that email's link
    confirms this subscription too). Whichever applies, the same work is done: the email a
    path does not send is rehearsed (``portal.auth.equal_work``), so neither the answer nor
    its timing tells whether the address has commented before.
    """
    now = utcnow()
    if confirmed:
        already_confirmed, recently_asked = True, False
    else:
        already_confirmed, recently_asked = _address_state(email, now)
    send = not already_confirmed and not recently_asked
    subscription = CommentSubscription(
        comment_id=comment.id,
        email=email,
        confirmed_at=now if already_confirmed else None,
        confirm_sent_at=now if send else None,
    )
    db.session.add(subscription)
    db.session.flush()
    if confirmed:
        return subscription
    if send:
        _send_confirmation(subscription, comment)
    else:
        with rehearsal():
            _send_confirmation(subscription, comment)
    return subscription


def _send_confirmation(subscription: CommentSubscription, comment: Comment) -> None:
    # No name: a guest's name is whatever the requester typed, and the address may be
    # someone else's. The article's title is the practice's own words.
    post = db.session.get(Post, comment.post_id)
    enqueue_email(
        to=subscription.email,
        subject="Confirm: email me replies to my comments",
        template="comment_notify_confirm",
        idempotency_key=f"comment-notify-confirm:{subscription.id}",
        context={
            "article_title": post.title if post else "",
            "link": external_url("blog.confirm_notifications", token=confirm_token(subscription)),
        },
        anonymous=True,
    )


def confirm(subscription: CommentSubscription) -> None:
    """Confirm the address: every subscription of it waiting for confirmation is on."""
    db.session.execute(
        sa.update(CommentSubscription)
        .where(
            CommentSubscription.email == subscription.email,
            CommentSubscription.confirmed_at.is_(None),
        )
        .values(confirmed_at=utcnow())
    )


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
            "link": external_url("blog.comment_link", comment_id=reply.id),  # finds its page
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
