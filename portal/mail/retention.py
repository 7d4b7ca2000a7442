"""What the outbox keeps, and for how long.

A finished row (sent, failed or suppressed) keeps its address, subject, status and
idempotency key for good: the key is what stops a second send of the same message, and the
log is what staff read. Its context — names, and for account mail one-time links — is only
needed to render the message, so it is erased after a retention period (a day for
transactional mail, whose links are expired or spent by then; a month for newsletters).
Development-mailbox messages are deleted after ``MAILBOX_KEEP_DAYS``. The daily email budgets
of past days (``portal.mail.budget``) count nothing any more and are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Connection

from portal.models.mail_budget import MailBudget
from portal.models.mailbox import MailboxMessage
from portal.models.outbox import MailCategory, OutboxMessage, OutboxStatus
from portal.models.types import table_of

FINISHED = (OutboxStatus.SENT.value, OutboxStatus.FAILED.value, OutboxStatus.SUPPRESSED.value)


@dataclass(frozen=True)
class RetentionReport:
    scrubbed: int
    mailbox_deleted: int
    budgets_deleted: int


def apply_retention(app: Flask, conn: Connection, *, now: datetime) -> RetentionReport:
    """Scrub finished rows past their period and delete old mailbox messages; commits."""
    outbox = table_of(OutboxMessage)
    periods = {
        MailCategory.TRANSACTIONAL: app.config["MAIL_SCRUB_TRANSACTIONAL_AFTER_DAYS"],
        MailCategory.NEWSLETTER: app.config["MAIL_SCRUB_NEWSLETTER_AFTER_DAYS"],
    }
    scrubbed = 0
    for category, days in periods.items():
        result = conn.execute(
            outbox.update()
            .where(
                outbox.c.category == category.value,
                outbox.c.status.in_(FINISHED),
                outbox.c.scrubbed_at.is_(None),
                outbox.c.created_at < now - timedelta(days=days),
            )
            .values(context={}, scrubbed_at=now)
        )
        scrubbed += result.rowcount
    mailbox = table_of(MailboxMessage)
    deleted = conn.execute(
        sa.delete(mailbox).where(
            mailbox.c.created_at < now - timedelta(days=app.config["MAILBOX_KEEP_DAYS"])
        )
    ).rowcount
    budgets = table_of(MailBudget)
    budgets_deleted = conn.execute(sa.delete(budgets).where(budgets.c.day < now.date())).rowcount
    conn.commit()
    return RetentionReport(
        scrubbed=scrubbed, mailbox_deleted=deleted, budgets_deleted=budgets_deleted
    )
