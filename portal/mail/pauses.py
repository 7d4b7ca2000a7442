"""Holding a mailing: none of its unsent rows goes out until it is let go (a paused campaign).

A pause is a row of ``paused_mailings``; the pipeline reads it wherever it could send a row of
the mailing:

- ``pause_mailing`` turns the mailing's pending rows ``paused`` in the caller's transaction;
- the claim never takes a row of a paused mailing (``not_paused``);
- a batch looks at the pauses before each message, at most every ``CHECK_SECONDS``
  (``paused_among``), and gives rows of a paused mailing back unsent;
- rows given back by a batch that stopped, or by the sweep after a dead worker's lease ran
  out, become ``paused`` rather than ``pending`` (``status_when_given_back``).

So once the pause is committed, nothing of the mailing starts on its way but the message a
sending process already had on the wire.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from portal.core.database import rowcount
from portal.extensions import db
from portal.mail.queue import request_delivery_after_commit
from portal.models.outbox import OutboxMessage, OutboxStatus, PausedMailing
from portal.models.types import table_of, utcnow

paused = table_of(PausedMailing)
outbox = table_of(OutboxMessage)


def pause_mailing(mailing: str) -> int:
    """Pause ``mailing`` and its pending rows (caller commits); returns the rows paused now."""
    if db.session.get(PausedMailing, mailing) is None:
        db.session.add(PausedMailing(mailing=mailing))
        db.session.flush()
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.mailing == mailing,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.PAUSED.value)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def resume_mailing(mailing: str) -> int:
    """Let ``mailing`` go: its paused rows are due now (caller commits); returns how many."""
    db.session.execute(sa.delete(PausedMailing).where(PausedMailing.mailing == mailing))
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.mailing == mailing,
            OutboxMessage.status == OutboxStatus.PAUSED.value,
        )
        .values(status=OutboxStatus.PENDING.value, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    request_delivery_after_commit(db.session)
    return rowcount(result)


def not_paused() -> sa.ColumnElement[bool]:
    """The row belongs to no paused mailing (a condition for the claim)."""
    return sa.or_(
        outbox.c.mailing.is_(None),
        ~sa.exists().where(paused.c.mailing == outbox.c.mailing),
    )


def status_when_given_back() -> sa.Case[str]:
    """``paused`` for a row of a paused mailing, else ``pending`` (rows leaving ``sending``)."""
    return sa.case(
        (sa.exists().where(paused.c.mailing == outbox.c.mailing), OutboxStatus.PAUSED.value),
        else_=OutboxStatus.PENDING.value,
    )


def paused_among(conn: Connection, mailings: Iterable[str]) -> set[str]:
    """Which of ``mailings`` are paused (one indexed query; the caller ends the read)."""
    wanted = sorted(set(mailings))
    if not wanted:
        return set()
    return set(conn.scalars(sa.select(paused.c.mailing).where(paused.c.mailing.in_(wanted))))
