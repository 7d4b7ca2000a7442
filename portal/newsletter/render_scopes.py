"""What a client's cached dashboard shows of the newsletter: one render scope per address
(``portal.core.render_cache``), bumped by the ORM for changes to a subscription and by hand for
the bulk statements (tips queued, unconfirmed requests expired)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.core.render_cache import GLOBAL, person_scope, track
from portal.models import Subscriber, TipSequence, TipStep, User

PREFIX = "newsletter:"


def newsletter_scope(email: str) -> str:
    """The render scope of one address's subscription and its tips to come."""
    return PREFIX + email


def newsletter_scope_of_subscriber() -> sa.ColumnElement[Any]:
    """The same, as an SQL expression over ``Subscriber`` (for bulk bumps)."""
    return sa.literal(PREFIX) + Subscriber.email


@person_scope(lambda users: sa.literal(PREFIX) + users.c.email)
def _scope_of_person(user: User) -> str:
    return newsletter_scope(user.email)


track(Subscriber, lambda subscriber: [newsletter_scope(subscriber.email)])
track(TipStep, lambda _step: [GLOBAL])
track(TipSequence, lambda _sequence: [GLOBAL])
