"""The newsletter's part of "download my data" and of account deletion.

An account's subscription is the subscription of its email address. Deleting the account
deletes the subscription with its consent records and tip history (cascade), and withholds
newsletter mail already queued for the address.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.auth.signals import account_deleted, personal_data
from portal.core.render_cache import bump
from portal.extensions import db
from portal.models import Consent, Subscriber, User
from portal.newsletter.render_scopes import newsletter_scope
from portal.newsletter.subscriptions import find_by_email, withhold_queued_mail


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@personal_data.connect
def export_subscription(user: User) -> tuple[str, dict[str, Any]] | None:
    subscriber = find_by_email(user.email)
    if subscriber is None:
        return None
    consents = db.session.scalars(
        sa.select(Consent).where(Consent.subscriber_id == subscriber.id).order_by(Consent.id)
    )
    return (
        "newsletter",
        {
            "email": subscriber.email,
            "name": subscriber.name,
            "status": subscriber.status,
            "topics": [topic.value for topic in subscriber.topics],
            "race_name": subscriber.race_name,
            "race_on": _iso(subscriber.race_on),
            "paused_until": _iso(subscriber.paused_until),
            "subscribed_at": _iso(subscriber.created_at),
            "confirmed_at": _iso(subscriber.confirmed_at),
            "unsubscribed_at": _iso(subscriber.unsubscribed_at),
            "consent_records": [
                {
                    "action": consent.action,
                    "at": _iso(consent.created_at),
                    "ip_address": consent.ip_address,
                    "form": consent.source,
                    "wording": consent.wording,
                    "topics": consent.topics,
                }
                for consent in consents
            ],
        },
    )


@account_deleted.connect
def forget_subscription(user: User) -> None:
    withhold_queued_mail(user.email, reason="account deleted")
    bump(db.session, [newsletter_scope(user.email)])
    db.session.execute(
        sa.delete(Subscriber)
        .where(Subscriber.email == user.email)
        .execution_options(synchronize_session=False)
    )
