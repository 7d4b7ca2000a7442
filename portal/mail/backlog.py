"""How far behind the mail pipeline is: what the readiness check and the back office show.

Two numbers tell an operator whether mail flows: how many messages are due and not yet
sent, and how long the oldest of them has waited. A long wait with a worker running means
the SMTP server refuses or is slow; a long wait and no worker means nobody sends.

A message the server refused for now (4xx) is not due: it waits for its retry. When the
server refuses everything, every message ends up waiting and nothing is due, so the age of
the oldest waiting message (since it was queued) is reported too.
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
    oldest_waiting_seconds: float | None = None  # since the oldest waiting one was queued

    def as_dict(self) -> dict[str, int | float | None]:
        return {
            "due": self.due,
            "waiting": self.waiting,
            "sending": self.sending,
            "oldest_due_seconds": self.oldest_due_seconds,
            "oldest_waiting_seconds": self.oldest_waiting_seconds,
        }


def outbox_backlog(conn: Connection, *, now: datetime) -> Backlog:
    """Two index-backed queries (the claim index covers pending rows)."""
    due, waiting, oldest, oldest_waiting = conn.execute(
        sa.select(
            sa.func.count().filter(outbox.c.next_attempt_at <= now),
            sa.func.count().filter(outbox.c.next_attempt_at > now),
            sa.func.min(outbox.c.next_attempt_at).filter(outbox.c.next_attempt_at <= now),
            sa.func.min(outbox.c.created_at).filter(outbox.c.next_attempt_at > now),
        ).where(IS_PENDING)
    ).one()
    sending = conn.scalar(
        sa.select(sa.func.count()).where(outbox.c.status == OutboxStatus.SENDING.value)
    )
    return Backlog(
        due=due,
        waiting=waiting,
        sending=sending or 0,
        oldest_due_seconds=_age(oldest, now),
        oldest_waiting_seconds=_age(oldest_waiting, now),
    )


def _age(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else max(0.0, (now - moment).total_seconds())
