"""The newsletter's own emails: confirmation, "already subscribed", welcome.

Confirmation and "already subscribed" are transactional (the person just asked; they go
before campaign mail). The welcome email is the list's first newsletter email: newsletter
category (a suppressed address does not get it), list headers, the full footer.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from portal.mail import enqueue_email
from portal.models import MailCategory, Subscriber
from portal.newsletter.headers import list_headers
from portal.newsletter.personalise import row_context
from portal.newsletter.tokens import Purpose, token_for
from portal.web.urls import external_url


def _practice() -> str:
    return current_app.config["PRACTICE_NAME"]


WITHHELD = "not sent: another email went to this address less than an hour before"


def send_confirmation_or_reminder(subscriber: Subscriber, now: datetime, *, send: bool) -> None:
    """A pending address gets the confirmation link; a confirmed one, its preferences link.

    ``send=False`` (an email went to the address within the hour) still writes the row, as
    ``suppressed`` with the reason: the same statements run whether or not anything is sent,
    so timing reveals nothing, and the mail log shows why no email came.
    """
    key_stamp = f"{now:%Y%m%dT%H%M%S%f}"
    withhold = None if send else WITHHELD
    if subscriber.is_confirmed:
        enqueue_email(
            to=subscriber.email,
            to_name=subscriber.name,
            subject=f"You are already subscribed to {_practice()}'s newsletter",
            template="newsletter_already_subscribed",
            context={
                "name": subscriber.name,
                "preferences_url": external_url(
                    "newsletter.preferences", token=token_for(subscriber)
                ),
            },
            idempotency_key=f"newsletter-notify:{subscriber.id}:{key_stamp}",
            category=MailCategory.TRANSACTIONAL,
            withhold=withhold,
        )
        return
    enqueue_email(
        to=subscriber.email,
        to_name=subscriber.name,
        subject=f"Confirm your subscription to {_practice()}'s newsletter",
        template="newsletter_confirm",
        context={
            "name": subscriber.name,
            "link": external_url(
                "newsletter.confirm", token=token_for(subscriber, Purpose.CONFIRM)
            ),
            "days": current_app.config["NEWSLETTER_PENDING_DAYS"],
        },
        idempotency_key=f"newsletter-notify:{subscriber.id}:{key_stamp}",
        category=MailCategory.TRANSACTIONAL,
        withhold=withhold,
    )


def send_welcome(subscriber: Subscriber) -> None:
    assert subscriber.confirmed_at is not None
    enqueue_email(
        to=subscriber.email,
        to_name=subscriber.name,
        subject=f"Welcome to {_practice()}'s newsletter",
        template="newsletter_welcome",
        context=row_context(
            "welcome",
            subscriber.id,
            subscriber.token_secret,
            name=subscriber.name,
            topics=[topic.label for topic in subscriber.topics],
            race_name=subscriber.race_name,
            race_on=subscriber.race_on.isoformat() if subscriber.race_on else None,
        ),
        headers=list_headers(),
        idempotency_key=f"newsletter-welcome:{subscriber.id}:{subscriber.confirmed_at:%Y%m%dT%H%M%S}",
        category=MailCategory.NEWSLETTER,
    )
