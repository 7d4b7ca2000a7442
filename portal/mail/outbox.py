"""Putting messages in the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.mail.compose import (
    Sender,
    check_address,
    check_extra_headers,
    header_text,
    new_message_id,
)
from portal.mail.queue import request_delivery_after_commit
from portal.mail.render import check_templates_exist
from portal.models.outbox import MailCategory, MailPriority, OutboxMessage, OutboxStatus
from portal.models.types import utcnow
from portal.web.request_log import current_request_id


def enqueue_email(
    *,
    to: str,
    subject: str,
    template: str,
    idempotency_key: str,
    context: Mapping[str, Any] | None = None,
    to_name: str | None = None,
    category: MailCategory | str = MailCategory.TRANSACTIONAL,
    headers: Mapping[str, str] | None = None,
    mailing: str | None = None,
    withhold: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (the caller commits).

    ``template`` names a pair ``templates/email/<template>.txt`` / ``.html``, rendered when
    the message is sent; ``context`` must be JSON-serialisable and hold values, not ids.
    ``headers`` adds headers to this message only (``List-Unsubscribe``…); ``mailing`` names
    the group it belongs to (``campaign:12``), for counting and holding. ``withhold`` records
    a message that was decided against (it is written ``suppressed`` with that reason and
    never sent): a feature that must do the same work whether or not it sends, so that
    timing reveals nothing, writes its row either way. If a row with
    ``idempotency_key`` already exists, that row is returned and nothing new will be sent.

    Raises ``ValueError`` for an address that is not one plain mailbox, a header the
    pipeline owns, or a template that does not exist. After the commit, a worker is asked
    to deliver.
    """
    existing = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing
    category = MailCategory(category)
    check_templates_exist(current_app, template)
    sender = Sender.parse(current_app.config["MAIL_DEFAULT_SENDER"])
    message = OutboxMessage(
        idempotency_key=idempotency_key,
        to_address=check_address(to.strip()),
        # Single-line text from here on: what the mail log shows is what the headers carry.
        to_name=header_text(to_name) if to_name else None,
        subject=header_text(subject),
        template=template,
        context=dict(context or {}),
        headers=check_extra_headers(headers or {}),
        category=category.value,
        priority=MailPriority.for_category(category).value,
        message_id=new_message_id(sender.domain),
        request_id=current_request_id(),
        mailing=mailing,
    )
    if withhold is not None:
        message.status = OutboxStatus.SUPPRESSED.value
        message.last_error = withhold[:500]
    # A concurrent request may insert the same key between our check and our insert: the
    # unique constraint decides, inside a savepoint so the caller's transaction survives.
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
        ).one()
    request_delivery_after_commit(db.session)
    return message


class CannotRetry(ValueError):
    """The message is not one that can be sent again; the text says why, for staff."""


def retry_failed_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue from a fresh count of attempts (caller commits).

    Raises ``CannotRetry`` for a message that did not fail, or whose context was erased after
    the retention period (it can no longer be rendered).
    """
    if message.scrubbed_at is not None:
        raise CannotRetry("This message's content was erased after the retention period.")
    if not message.can_retry:
        raise CannotRetry(f"Only failed messages can be retried; this one is {message.status}.")
    message.status = OutboxStatus.PENDING.value
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.last_error = None
    request_delivery_after_commit(db.session)
