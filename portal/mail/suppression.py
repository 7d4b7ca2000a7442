"""Suppression: newsletter mail stops going to an address that keeps refusing it.

Policy (README "Mail pipeline"): every permanent refusal of an address (5xx to RCPT, or 5xx
to DATA with an enhanced status 5.1.x or 5.2.x) adds one to its count; an accepted message
resets it. Once the count reaches ``MAIL_SUPPRESS_AFTER_HARD_FAILURES``, newsletter rows to
that address become ``suppressed`` instead of being sent. Transactional mail (password
resets, invitations, confirmations) is always attempted: a person locked out of their
account must still be able to get a reset link, and a success clears the count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from portal.core.database import is_sqlite
from portal.core.text import normalise_email
from portal.models.suppression import BouncedAddress
from portal.models.types import table_of

bounced = table_of(BouncedAddress)


def failure_counts(conn: Connection, addresses: Iterable[str]) -> dict[str, int]:
    """Hard-failure counts of those of ``addresses`` that have any (one query per batch)."""
    wanted = sorted({normalise_email(address) for address in addresses})
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(bounced.c.address, bounced.c.hard_failures).where(
            bounced.c.address.in_(wanted), bounced.c.hard_failures > 0
        )
    )
    return {address: count for address, count in rows}


def count_hard_failure(conn: Connection, address: str, *, error: str, now: datetime) -> None:
    """Add one to the address's count (an upsert; the caller commits)."""
    insert = sqlite.insert if is_sqlite(conn) else postgresql.insert
    statement = insert(bounced).values(
        address=normalise_email(address),
        hard_failures=1,
        last_error=error[:500],
        last_failed_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[bounced.c.address],
        set_={
            "hard_failures": bounced.c.hard_failures + 1,
            "last_error": statement.excluded.last_error,
            "last_failed_at": statement.excluded.last_failed_at,
        },
    )
    conn.execute(statement)


def clear_failures(conn: Connection, address: str) -> None:
    """An accepted message proves the address works again (the caller commits)."""
    conn.execute(
        bounced.update()
        .where(bounced.c.address == normalise_email(address))
        .values(hard_failures=0)
    )
