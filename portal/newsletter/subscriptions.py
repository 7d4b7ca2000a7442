"""Subscribing, confirming, changing preferences and unsubscribing; the consent record.

Each function changes the session and leaves the commit to the view, so the change, its
consent record and the email it causes land in one transaction.

**Same answer, same work.** Asking to subscribe an address gives the same page whether the
address is new, pending or confirmed (no one learns who is subscribed), and runs the same
statements: one SELECT of the address, one write of its row (INSERT or UPDATE), one consent
record, one outbox row (written ``suppressed``, not sent, when an email went to the address
within the hour). A confirmed subscription is never changed by such a request: an
unconfirmed request only gets its owner an email with their preferences link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.core.clock import local_today
from portal.core.database import rowcount
from portal.core.render_cache import bump_selected
from portal.core.text import normalise_email
from portal.extensions import db
from portal.models import (
    Consent,
    ConsentAction,
    MailCategory,
    OutboxMessage,
    OutboxStatus,
    Subscriber,
    SubscriberStatus,
    TipSequence,
    Topic,
)
from portal.models.types import utcnow
from portal.newsletter import emails
from portal.newsletter.render_scopes import newsletter_scope_of_subscriber

# The words beside every subscribe button, stored with each consent exactly as shown.
SUBSCRIBE_WORDING = (
    "By subscribing you agree that {practice} emails you about the topics you ticked: "
    "training-season tips, practice news or new articles. We send a link to confirm first. "
    "Every email has a link to change your choices or to unsubscribe at once, and we never "
    "share your address."
)
CONFIRM_WORDING = "Press the button to confirm your subscription to {practice}'s newsletter."
PREFERENCES_WORDING = "Save to receive the topics ticked above (untick all, or unsubscribe)."
UNSUBSCRIBE_WORDING = "Unsubscribe: we stop sending you newsletter email at once."


def wording(template: str) -> str:
    return template.format(practice=current_app.config["PRACTICE_NAME"])


def find_by_email(email: str) -> Subscriber | None:
    return db.session.scalar(
        sa.select(Subscriber).where(Subscriber.email == normalise_email(email))
    )


@dataclass
class Choices:
    """What a person chose on a subscribe or preferences form."""

    topics: list[str]
    name: str | None = None
    race_name: str | None = None
    race_on: date | None = None
    sequence_id: int | None = None
    paused_until: date | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _record(
    subscriber: Subscriber, action: ConsentAction, *, source: str, ip: str | None, text: str
) -> None:
    db.session.add(
        Consent(
            subscriber_id=subscriber.id,
            action=action.value,
            source=source[:200],
            ip_address=(ip or "")[:45] or None,
            wording=text,
            topics=",".join(topic.value for topic in subscriber.topics),
        )
    )


def _apply_race(subscriber: Subscriber, choices: Choices, today: date) -> None:
    """Set the race; a changed race date or sequence re-plans the tips from today.

    A race set after the previous one is over is a new season (its tips may come again);
    moving a race that is still ahead keeps the season, so no tip is sent twice.
    """
    old_race, old_sequence = subscriber.race_on, subscriber.tip_sequence_id
    subscriber.race_name = choices.race_name or None
    subscriber.race_on = choices.race_on
    subscriber.tip_sequence_id = choices.sequence_id
    if (old_race, old_sequence) == (subscriber.race_on, subscriber.tip_sequence_id):
        return
    if old_race is not None and old_race < today and subscriber.race_on != old_race:
        subscriber.tips_season += 1
    subscriber.tips_planned_from = today


def _apply_choices(subscriber: Subscriber, choices: Choices, today: date) -> None:
    subscriber.set_topics(choices.topics)
    if choices.name is not None:
        subscriber.name = choices.name or None
    _apply_race(subscriber, choices, today)


def request_subscription(
    email: str, choices: Choices, *, source: str, ip: str | None, now: datetime | None = None
) -> Subscriber:
    """Ask to subscribe ``email``: a confirmation link (or, if confirmed, a reminder) is sent.

    At most one email an hour per address (``NEWSLETTER_NOTIFY_EVERY_MINUTES``).
    """
    now = now or utcnow()
    today = local_today(now)
    every = timedelta(minutes=current_app.config["NEWSLETTER_NOTIFY_EVERY_MINUTES"])
    subscriber = find_by_email(email)
    if subscriber is None:
        subscriber = Subscriber(
            email=normalise_email(email), status=SubscriberStatus.PENDING.value, tips_season=1
        )
        db.session.add(subscriber)
    if not subscriber.is_confirmed:
        # Pending or unsubscribed: the latest request's choices wait for confirmation.
        subscriber.status = SubscriberStatus.PENDING.value
        _apply_choices(subscriber, choices, today)
    subscriber.requested_at = now
    send = subscriber.notified_at is None or now - subscriber.notified_at >= every
    if send:
        subscriber.notified_at = now
    db.session.flush()  # one INSERT or one UPDATE
    _record(
        subscriber,
        ConsentAction.REQUESTED,
        source=source,
        ip=ip,
        text=wording(SUBSCRIBE_WORDING),
    )
    emails.send_confirmation_or_reminder(subscriber, now, send=send)
    return subscriber


def is_expired(subscriber: Subscriber, now: datetime | None = None) -> bool:
    """An unconfirmed request older than ``NEWSLETTER_PENDING_DAYS`` (its link is dead)."""
    days = current_app.config["NEWSLETTER_PENDING_DAYS"]
    return subscriber.status == SubscriberStatus.PENDING and subscriber.requested_at < (
        now or utcnow()
    ) - timedelta(days=days)


def confirm(
    subscriber: Subscriber, *, source: str, ip: str | None, now: datetime | None = None
) -> bool:
    """Confirm a pending subscription and send the welcome email; False if it was not pending."""
    now = now or utcnow()
    if subscriber.status != SubscriberStatus.PENDING or is_expired(subscriber, now):
        return False
    subscriber.status = SubscriberStatus.CONFIRMED.value
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    # Tips dated before the day someone joins are not sent.
    subscriber.tips_planned_from = local_today(now)
    db.session.flush()
    _record(
        subscriber, ConsentAction.CONFIRMED, source=source, ip=ip, text=wording(CONFIRM_WORDING)
    )
    emails.send_welcome(subscriber)
    return True


def save_preferences(
    subscriber: Subscriber,
    choices: Choices,
    *,
    source: str,
    ip: str | None,
    today: date | None = None,
) -> None:
    """Save the choices; ``today`` (the practice's date) is injectable for the tip tests."""
    _apply_choices(subscriber, choices, today or local_today())
    subscriber.paused_until = choices.paused_until
    db.session.flush()
    _record(
        subscriber, ConsentAction.CHANGED, source=source, ip=ip, text=wording(PREFERENCES_WORDING)
    )


def unsubscribe(subscriber: Subscriber, *, source: str, ip: str | None) -> bool:
    """Off the list at once, and nothing already queued for the address goes out.

    Idempotent: a second call (a mail provider retrying its one-click POST) changes nothing
    and returns False.
    """
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        return False
    subscriber.status = SubscriberStatus.UNSUBSCRIBED.value
    subscriber.unsubscribed_at = utcnow()
    db.session.flush()
    _record(
        subscriber,
        ConsentAction.WITHDRAWN,
        source=source,
        ip=ip,
        text=wording(UNSUBSCRIBE_WORDING),
    )
    withhold_queued_mail(subscriber.email, reason="unsubscribed")
    return True


def withhold_queued_mail(address: str, *, reason: str) -> int:
    """Newsletter rows to ``address`` not yet sent become ``suppressed`` (one indexed UPDATE)."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.to_address == address,
            OutboxMessage.category == MailCategory.NEWSLETTER.value,
            OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.HELD.value]),
        )
        .values(status=OutboxStatus.SUPPRESSED.value, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def expire_pending(now: datetime | None = None) -> int:
    """Delete unconfirmed requests older than ``NEWSLETTER_PENDING_DAYS`` (caller commits)."""
    days = current_app.config["NEWSLETTER_PENDING_DAYS"]
    cutoff = (now or utcnow()) - timedelta(days=days)
    expired = (
        Subscriber.status == SubscriberStatus.PENDING.value,
        Subscriber.requested_at < cutoff,
    )
    # Bulk: the ORM's hook does not see it, so the render versions are bumped here.
    bump_selected(db.session, sa.select(newsletter_scope_of_subscriber()).where(*expired))
    result = db.session.execute(
        sa.delete(Subscriber).where(*expired).execution_options(synchronize_session=False)
    )
    return rowcount(result)


def sequences() -> list[TipSequence]:
    return list(db.session.scalars(sa.select(TipSequence).order_by(TipSequence.id)))


def topic_choices() -> list[tuple[str, str]]:
    return [(topic.value, topic.label) for topic in Topic]
