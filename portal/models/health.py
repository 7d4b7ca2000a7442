"""What the readiness check writes: one row per web host, updated on every check.

A database that answers reads but refuses writes (a full disk, a read-only file or server)
must take a host out of the load balancer; only a committed write finds that out (SQLite
writes nothing to disk before the commit).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow


class ReadinessCheck(Model):
    __tablename__ = "readiness_checks"

    host: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    checked_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
