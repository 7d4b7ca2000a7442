"""Recording what happened to each claimed row, one short transaction per message.

``record_sent`` commits right after the server accepted the message: a worker killed at
any moment has at most the one message in flight that was accepted but not yet recorded,
and that one is sent again when its lease runs out. Every update is conditional on the
lease (``leased_by``), so a worker that overran its lease cannot overwrite the row of the
worker that took it over.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from portal.database import sqlite_writer_turn
from portal.mail.claim import ClaimedRow
from portal.mail.suppression import clear_failures, count_hard_failure
from portal.mail.transport import DeliveryFailure, FailureKind
from portal.models.mailbox import MailboxMessage
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.types import table_of

outbox = table_of(OutboxMessage)
mailbox = table_of(MailboxMessage)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for temporary failures: base, 2×base, 4×base … up to a cap."""

    max_attempts: int
    base: timedelta
    cap: timedelta

    def delay(self, attempts: int) -> timedelta:
        return min(self.base * 2 ** max(attempts - 1, 0), self.cap)


def _leased(row: ClaimedRow, owner: str) -> sa.ColumnElement[bool]:
    """Still ours: being sent under our lease (a finished row keeps its ``leased_by``)."""
    return sa.and_(
        outbox.c.id == row.id,
        outbox.c.leased_by == owner,
        outbox.c.status == OutboxStatus.SENDING,
    )


def _unleased(**values: object) -> dict[str, object]:
    """Back to pending: no owner, no lease."""
    return {"leased_by": None, "lease_expires_at": None, **values}


def _finished(**values: object) -> dict[str, object]:
    """A final state: the lease ends, ``leased_by`` stays to tell which worker did it."""
    return {"lease_expires_at": None, **values}


# Built once: this statement runs for every message, and building it costs more than running it.
_MARK_SENT = (
    outbox.update()
    .where(
        outbox.c.id == sa.bindparam("row_id"),
        outbox.c.leased_by == sa.bindparam("owner"),
        outbox.c.status == OutboxStatus.SENDING,
    )
    .values(
        _finished(
            status=OutboxStatus.SENT,
            sent_at=sa.bindparam("now", type_=outbox.c.sent_at.type),
            attempts=sa.bindparam("attempts"),
            last_error=None,
        )
    )
)


class _CompiledMarkSent:
    """``_MARK_SENT`` compiled once for a dialect, run as the driver's SQL.

    ``conn.execute(_MARK_SENT)`` looks the statement up in the compiled cache and prepares
    its parameters on every call: 22 µs per message on SQLite, against 14 µs for the same
    UPDATE run as the driver's SQL. The values go through the columns' own bind processors
    (``UTCDateTime``), as ``execute`` does.
    """

    def __init__(self, dialect: Dialect) -> None:
        compiled = _MARK_SENT.compile(dialect=dialect)
        self.sql = compiled.string
        self.construct_params = compiled.construct_params
        self.order = compiled.positiontup  # qmark (SQLite); None for named (psycopg)
        self.processors = {
            name: processor
            for name, bind in compiled.binds.items()
            if (processor := bind.type.bind_processor(dialect)) is not None
        }

    def parameters(self, values: dict[str, Any]) -> tuple[Any, ...] | MutableMapping[str, Any]:
        params = self.construct_params(values)
        for name, processor in self.processors.items():
            if name in params:
                params[name] = processor(params[name])
        return tuple(params[name] for name in self.order) if self.order else params


@lru_cache(maxsize=4)
def _compiled_mark_sent(dialect: Dialect) -> _CompiledMarkSent:
    return _CompiledMarkSent(dialect)


def record_sent(
    conn: Connection,
    row: ClaimedRow,
    *,
    owner: str,
    now: datetime,
    mailbox_copy: bytes | None = None,
    clear_bounces: bool = False,
) -> bool:
    """Mark the row sent (and keep the mailbox copy) and commit; False if the lease was lost.

    ``clear_bounces``: the address had hard failures, which this acceptance forgives.
    """
    with sqlite_writer_turn(conn):  # one sending process at a time, no busy sleeps
        mark = _compiled_mark_sent(conn.dialect)
        values = {"row_id": row.id, "owner": owner, "now": now, "attempts": row.attempts + 1}
        result = conn.exec_driver_sql(mark.sql, mark.parameters(values))
        if result.rowcount != 1:
            conn.rollback()
            return False
        if mailbox_copy is not None:
            conn.execute(
                mailbox.insert().values(
                    outbox_id=row.id,
                    to_address=row.to_address,
                    subject=row.subject,
                    raw=mailbox_copy,
                    created_at=now,
                )
            )
        if clear_bounces:
            clear_failures(conn, row.to_address)
        conn.commit()
        return True


def record_failure(
    conn: Connection,
    row: ClaimedRow,
    failure: DeliveryFailure,
    *,
    owner: str,
    now: datetime,
    retry: RetryPolicy,
) -> OutboxStatus:
    """Schedule a retry or fail the row (counting a bounce against the address); commit."""
    attempts = row.attempts + 1
    if failure.kind is FailureKind.TEMPORARY and attempts < retry.max_attempts:
        status = OutboxStatus.PENDING
        values = _unleased(
            status=status,
            attempts=attempts,
            last_error=failure.reason[:500],
            next_attempt_at=now + retry.delay(attempts),
        )
    else:
        status = OutboxStatus.FAILED
        reason = failure.reason
        if failure.kind is FailureKind.TEMPORARY:
            reason = f"gave up after {attempts} attempts: {reason}"
        values = _finished(status=status, attempts=attempts, last_error=reason[:500])
    result = conn.execute(outbox.update().where(_leased(row, owner)).values(values))
    if result.rowcount == 1 and failure.kind is FailureKind.BOUNCE:
        count_hard_failure(conn, row.to_address, error=failure.reason, now=now)
    conn.commit()
    return status


def record_suppressed(
    conn: Connection, rows: list[ClaimedRow], *, owner: str, failures: dict[str, int]
) -> None:
    """Newsletter rows to addresses past the hard-failure limit are not sent; commit."""
    for row in rows:
        count = failures[row.to_address.lower()]
        conn.execute(
            outbox.update()
            .where(_leased(row, owner))
            .values(
                _finished(
                    status=OutboxStatus.SUPPRESSED,
                    last_error=f"suppressed: the address refused mail {count} times in a row",
                )
            )
        )
    conn.commit()
