"""The practice's wall clock (its time zone setting), whatever time zone the servers run in.

"Today" on a client's dashboard, the dates a form accepts, the morning hour training tips
go out and the times the back office shows are all the practice's: one function each, used
everywhere, so two parts of the site never disagree about the date.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import g

from portal.models.types import utcnow


def practice_zone() -> ZoneInfo:
    """The practice's time zone: the practice settings' (``PRACTICE_TIMEZONE`` until saved).

    Pages often need "today" before they read anything else. For a signed-in person the
    global render version came with their account's row: the settings are then taken from
    the process's cache under it, with no query.
    """
    from portal.core import practice

    if g.get("practice_details") is None:
        practice.known_global_version()
    return ZoneInfo(practice.current().time_zone)


def local_now(now: datetime | None = None) -> datetime:
    """``now`` (default: this moment) on the practice's clock."""
    return (now or utcnow()).astimezone(practice_zone())


def local_today(now: datetime | None = None) -> date:
    """The practice's date at ``now`` (default: today)."""
    return local_now(now).date()
