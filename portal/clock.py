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

    Pages often need "today" before they read anything else; the global render version is
    read first then, so that the settings come from the process's cache under it.
    """
    from portal import practice

    if g.get("practice_details") is None and g.get("global_version") is None:
        from portal.extensions import db
        from portal.render_cache import GLOBAL, versions

        g.global_version = versions(db.session, [GLOBAL])[0]
    return ZoneInfo(practice.current().time_zone)


def local_now(now: datetime | None = None) -> datetime:
    """``now`` (default: this moment) on the practice's clock."""
    return (now or utcnow()).astimezone(practice_zone())


def local_today(now: datetime | None = None) -> date:
    """The practice's date at ``now`` (default: today)."""
    return local_now(now).date()
