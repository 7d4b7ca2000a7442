"""Putting messages in the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models.outbox import MailCategory, OutboxMessage


def enqueue_email(
    *,
    to: str,
    subject: str,
    template: str,
    idempotency_key: str,
    context: Mapping[str, Any] | None = None,
    to_name: str | None = None,
    category: MailCategory | str = MailCategory.TRANSACTIONAL,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (the caller commits).

    ``template`` names a pair ``templates/email/<template>.txt`` / ``.html``; ``context``
    must be JSON-serialisable. If a row with ``idempotency_key`` already exists, that row is
    returned and nothing new will be sent.
    """
    existing = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing
    message = OutboxMessage(
        idempotency_key=idempotency_key,
        to_address=to.strip(),
        to_name=to_name,
        subject=subject,
        template=template,
        context=dict(context or {}),
        category=MailCategory(category).value,
    )
    # A concurrent request may insert the same key between our check and our insert: the
    # unique constraint decides, inside a savepoint so the caller's transaction survives.
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
        ).one()
    return message
