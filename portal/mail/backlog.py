"""How far behind the mail pipeline is: what the readiness check and the back office show.

Two numbers tell an operator whether mail flows: how many messages are due and not yet
sent, and how long the oldest of them has waited. A long wait with a worker running means
the SMTP server refuses or is slow; a long wait and no worker means nobody sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from portal.mail.claim import IS_PENDING, outbox
from portal.models.outbox import OutboxStatus


@dataclass(frozen=True)
class Backlog:
    due: int  # pending and due now
    waiting: int  # pending, due later (retries)
    sending: int  # leased to a worker right now
    oldest_due_seconds: float | None  # how long the oldest due message has waited

    def as_dict(self) -> dict[str, int | float | None]:
        return {
            "due": self.due,
            "waiting": self.waiting,
            "sending": self.sending,
            "oldest_due_seconds": self.oldest_due_seconds,
        }


def outbox_backlog(conn: Connection, *, now: datetime) -> Backlog:
    """Two index-backed queries (the claim index covers pending rows)."""
    due, waiting, oldest = conn.execute(
        sa.select(
            sa.func.count().filter(outbox.c.next_attempt_at <= now),
            sa.func.count().filter(outbox.c.next_attempt_at > now),
            sa.func.min(outbox.c.next_attempt_at).filter(outbox.c.next_attempt_at <= now),
        ).where(IS_PENDING)
    ).one()
    sending = conn.scalar(
        sa.select(sa.func.count()).where(outbox.c.status == OutboxStatus.SENDING.value)
    )
    age = None if oldest is None else max(0.0, (now - oldest).total_seconds())
    return Backlog(due=due, waiting=waiting, sending=sending or 0, oldest_due_seconds=age)
