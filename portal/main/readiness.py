"""The database half of ``/readyz``: it answers, and it takes a write."""

from __future__ import annotations

import socket

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from portal.core.database import rowcount
from portal.models.health import ReadinessCheck
from portal.models.types import table_of, utcnow

checks = table_of(ReadinessCheck)


def record_check(conn: Connection) -> None:
    """Commit this host's row of ``readiness_checks`` (raises if the database refuses).

    A committed write, because a rolled-back one never reaches the disk: a full disk would
    go unnoticed on SQLite.
    """
    host = socket.gethostname()[:64]
    now = utcnow()
    updated = conn.execute(checks.update().where(checks.c.host == host).values(checked_at=now))
    if rowcount(updated) == 0:
        try:
            conn.execute(sa.insert(checks).values(host=host, checked_at=now))
        except IntegrityError:  # another process of this host inserted it first
            conn.rollback()
            return
    conn.commit()
