"""Holding a mailing: none of its unsent rows goes out until it is let go (a paused campaign).

A hold is a row of ``mailing_holds``; the pipeline reads it wherever it could send a row of
the mailing:

- ``hold_mailing`` turns the mailing's pending rows ``held`` in the caller's transaction;
- the claim never takes a row of a held mailing (``not_held``);
- a batch looks at the holds before each message, at most every ``CHECK_SECONDS``
  (``held_among``), and gives rows of a held mailing back unsent;
- rows given back by a batch that stopped, or by the sweep after a dead worker's lease ran
  out, become ``held`` rather than ``pending`` (``status_when_given_back``).

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
from portal.models.outbox import MailingHold, OutboxMessage, OutboxStatus
from portal.models.types import table_of, utcnow

holds = table_of(MailingHold)
outbox = table_of(OutboxMessage)


def hold_mailing(mailing: str) -> int:
    """Hold ``mailing`` and its pending rows (caller commits); returns the rows held now."""
    if db.session.get(MailingHold, mailing) is None:
        db.session.add(MailingHold(mailing=mailing))
        db.session.flush()
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.mailing == mailing,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.HELD.value)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def release_mailing(mailing: str) -> int:
    """Let ``mailing`` go: its held rows are due now (caller commits); returns how many."""
    db.session.execute(sa.delete(MailingHold).where(MailingHold.mailing == mailing))
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.mailing == mailing,
            OutboxMessage.status == OutboxStatus.HELD.value,
        )
        .values(status=OutboxStatus.PENDING.value, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    request_delivery_after_commit(db.session)
    return rowcount(result)


def not_held() -> sa.ColumnElement[bool]:
    """The row belongs to no held mailing (a condition for the claim)."""
    return sa.or_(
        outbox.c.mailing.is_(None),
        ~sa.exists().where(holds.c.mailing == outbox.c.mailing),
    )


def status_when_given_back() -> sa.Case[str]:
    """``held`` for a row of a held mailing, else ``pending`` (rows leaving ``sending``)."""
    return sa.case(
        (sa.exists().where(holds.c.mailing == outbox.c.mailing), OutboxStatus.HELD.value),
        else_=OutboxStatus.PENDING.value,
    )


def held_among(conn: Connection, mailings: Iterable[str]) -> set[str]:
    """Which of ``mailings`` are held (one indexed query; the caller ends the read)."""
    wanted = sorted(set(mailings))
    if not wanted:
        return set()
    return set(conn.scalars(sa.select(holds.c.mailing).where(holds.c.mailing.in_(wanted))))
