"""Claiming due rows under a lease, and giving leases back.

One statement claims a batch on both databases::

    UPDATE outbox SET status='sending', leased_by=:owner, lease_expires_at=:until
    WHERE id IN (SELECT id FROM outbox WHERE status='pending' AND next_attempt_at <= :now
                 AND <not of a paused mailing>
                 ORDER BY priority, next_attempt_at LIMIT :n  [FOR UPDATE SKIP LOCKED])
    RETURNING …

The batch is sent in the order it was claimed (priority, then due time): a confirmation
claimed with campaign rows goes first, not after them.

PostgreSQL: ``SKIP LOCKED`` lets concurrent workers take disjoint batches without waiting,
and a row another worker just claimed no longer matches ``status='pending'``.
SQLite has one writer at a time: the claim runs in ``BEGIN IMMEDIATE``, which takes the
write lock before reading, so the subquery always sees the latest committed state and two
workers can never both turn the same pending row into theirs.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from portal.core.database import is_sqlite
from portal.mail.pauses import not_paused, status_when_given_back
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.types import table_of

outbox = table_of(OutboxMessage)

# Written into the SQL rather than bound: PostgreSQL can use the partial claim index
# (``WHERE status = 'pending'``) only when the plan itself knows the value, which a
# prepared statement's generic plan would not.
IS_PENDING = outbox.c.status == sa.literal(
    OutboxStatus.PENDING.value, sa.String, literal_execute=True
)


@dataclass(frozen=True)
class ClaimedRow:
    """What the sender needs of one claimed row (plain values: no ORM session involved)."""

    id: int
    category: str
    to_address: str
    to_name: str | None
    subject: str
    template: str
    context: dict[str, Any]
    headers: dict[str, str]
    attempts: int
    message_id: str
    request_id: str | None
    priority: int = 0
    mailing: str | None = None  # a campaign's rows are checked against pauses while sending


CLAIMED_NAMES = tuple(ClaimedRow.__dataclass_fields__)
CLAIMED_COLUMNS = [outbox.c[name] for name in CLAIMED_NAMES]


def new_lease_owner() -> str:
    """Unique per claim: host, process and a random suffix (fits ``leased_by``)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def _begin_write(conn: Connection) -> None:
    if is_sqlite(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def claim_batch(
    conn: Connection,
    *,
    owner: str,
    limit: int,
    now: datetime,
    lease: timedelta,
    priority: int | None = None,
) -> list[ClaimedRow]:
    """Lease up to ``limit`` due rows to ``owner`` and commit; returned highest priority
    first, then oldest due first (the order to send them in). ``priority`` claims rows of
    that priority only."""
    conditions = [IS_PENDING, outbox.c.next_attempt_at <= now, not_paused()]
    if priority is not None:
        conditions.append(outbox.c.priority == priority)
    due = (
        sa.select(outbox.c.id)
        .where(*conditions)
        .order_by(outbox.c.priority, outbox.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    statement = (
        outbox.update()
        .where(outbox.c.id.in_(sa.select(due.c.id)))
        .values(status=OutboxStatus.SENDING, leased_by=owner, lease_expires_at=now + lease)
        .returning(*CLAIMED_COLUMNS, outbox.c.next_attempt_at)
    )
    _begin_write(conn)
    claimed = list(conn.execute(statement))  # RETURNING keeps no order of its own
    conn.commit()
    claimed.sort(key=lambda row: (row.priority, row.next_attempt_at, row.id))
    return [ClaimedRow(**{name: row._mapping[name] for name in CLAIMED_NAMES}) for row in claimed]  # noqa: SLF001 (Row._mapping is public)


def release(conn: Connection, *, owner: str, ids: list[int]) -> None:
    """Give unattempted rows back (pending and due now, or paused if their mailing is) and
    commit."""
    if not ids:
        return
    conn.execute(
        outbox.update()
        .where(
            outbox.c.id.in_(ids),
            outbox.c.leased_by == owner,
            outbox.c.status == OutboxStatus.SENDING,  # never a row already recorded
        )
        .values(status=status_when_given_back(), leased_by=None, lease_expires_at=None)
    )
    conn.commit()


def release_expired_leases(conn: Connection, *, now: datetime) -> int:
    """Put rows of workers that died (their lease ran out) back to pending, or paused if their
    mailing is; commit."""
    result = conn.execute(
        outbox.update()
        .where(outbox.c.status == OutboxStatus.SENDING, outbox.c.lease_expires_at < now)
        .values(status=status_when_given_back(), leased_by=None, lease_expires_at=None)
    )
    conn.commit()
    return result.rowcount


def due_count(conn: Connection, *, now: datetime) -> int:
    count = conn.scalar(
        sa.select(sa.func.count())
        .select_from(outbox)
        .where(IS_PENDING, outbox.c.next_attempt_at <= now)
    )
    return count or 0


def urgent_is_due(conn: Connection, *, now: datetime, priority: int) -> bool:
    """Whether a row of ``priority`` (or higher) is due: one probe of the claim index."""
    found = conn.scalar(
        sa.select(outbox.c.id)
        .where(IS_PENDING, outbox.c.priority <= priority, outbox.c.next_attempt_at <= now)
        .limit(1)
    )
    return found is not None


def next_wake_up(conn: Connection, *, now: datetime) -> datetime | None:
    """When there will next be work: a retry coming due, or another worker's lease ending."""
    retry_at = conn.scalar(
        sa.select(sa.func.min(outbox.c.next_attempt_at)).where(
            IS_PENDING, outbox.c.next_attempt_at > now
        )
    )
    lease_end = conn.scalar(
        sa.select(sa.func.min(outbox.c.lease_expires_at)).where(
            outbox.c.status == OutboxStatus.SENDING
        )
    )
    conn.rollback()
    times = [moment for moment in (retry_at, lease_end) if moment is not None]
    return min(times) if times else None
