"""The practice's wall clock (``PRACTICE_TIMEZONE``): tips are planned in its days and sent
in its mornings, whatever time zone the servers run in."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from portal.models.types import utcnow


def practice_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PRACTICE_TIMEZONE"])


def local_now(now: datetime | None = None) -> datetime:
    return (now or utcnow()).astimezone(practice_zone())


def local_today(now: datetime | None = None) -> date:
    return local_now(now).date()
