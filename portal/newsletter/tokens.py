"""The tokens in newsletter links: ``<subscriber id>.<HMAC>``, like the calendar feed's.

Nothing usable is stored. The HMAC, under ``SECRET_KEY``, covers the purpose, the
subscriber's id and their ``token_secret``: a copy of the database alone opens no one's
preferences, replacing the secret (``Subscriber.rotate_token``) kills every old link of that
subscriber at once, and changing ``SECRET_KEY`` kills all of them. A confirmation link
cannot be used as a preferences link, nor the other way round (different purposes).

Because the token can be derived from the id and the secret, a queued email carries only
those two (``portal.newsletter.personalise``) and its links are made when it is sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from enum import StrEnum

import sqlalchemy as sa
from flask import Flask, current_app

from portal.extensions import db
from portal.models import Subscriber
from portal.web.pagination import MAX_ID


class Purpose(StrEnum):
    CONFIRM = "confirm"
    MANAGE = "manage"  # preferences, unsubscribe, "view in browser"


def _mac(app: Flask, purpose: Purpose, subscriber_id: int, secret: str) -> str:
    key = app.config["SECRET_KEY"].encode()
    message = f"newsletter:{purpose.value}:{subscriber_id}:{secret}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(
    subscriber_id: int, secret: str, purpose: Purpose = Purpose.MANAGE, app: Flask | None = None
) -> str:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001
    return f"{subscriber_id}.{_mac(app, purpose, subscriber_id, secret)}"


def token_for(subscriber: Subscriber, purpose: Purpose = Purpose.MANAGE) -> str:
    return make_token(subscriber.id, subscriber.token_secret, purpose)


def _parse(token: str) -> tuple[int, str] | None:
    id_text, _, mac = token.partition(".")
    if not (id_text.isascii() and id_text.isdigit()) or len(id_text) > 10 or len(mac) != 43:
        return None
    subscriber_id = int(id_text)
    return (subscriber_id, mac) if 1 <= subscriber_id <= MAX_ID else None


def subscriber_for_token(token: str, purpose: Purpose = Purpose.MANAGE) -> Subscriber | None:
    """The subscriber whose current ``purpose`` token is ``token``, or None (then: a 404)."""
    parsed = _parse(token)
    if parsed is None:
        return None
    subscriber_id, mac = parsed
    subscriber = db.session.scalar(sa.select(Subscriber).where(Subscriber.id == subscriber_id))
    # The same HMAC work for an unknown id as for a known one.
    secret = subscriber.token_secret if subscriber is not None else ""
    expected = _mac(current_app, purpose, subscriber_id, secret)
    if subscriber is None or not hmac.compare_digest(expected, mac):
        return None
    return subscriber
