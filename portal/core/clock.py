"""The practice's wall clock (``PRACTICE_TIMEZONE``), whatever time zone the servers run in.

"Today" on a client's dashboard, the dates a form accepts, the morning hour training tips
go out and the times the back office shows are all the practice's: one function each, used
everywhere, so two parts of the site never disagree about the date.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from portal.models.types import utcnow


def practice_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PRACTICE_TIMEZONE"])


def local_now(now: datetime | None = None) -> datetime:
    """``now`` (default: this moment) on the practice's clock."""
    return (now or utcnow()).astimezone(practice_zone())


def local_today(now: datetime | None = None) -> date:
    """The practice's date at ``now`` (default: today)."""
    return local_now(now).date()
