"""Dates, times and numbers as people at the practice write them, by Babel.

The practice's locale (``en_US``) and time zone (``America/Los_Angeles``) are practice
settings (defaults: ``PRACTICE_LOCALE``, ``PRACTICE_TIMEZONE``). Every date a person reads,
on a page or in an email, is written by one of these functions, so the site writes "Dec 7,
2026" one way everywhere and never an ISO date in prose. Machine-readable dates
(``<time datetime>``, feeds, iCalendar, "download my data") stay ISO.

Templates use them as filters: ``local_date`` (also ``short_date``), ``full_date``,
``weekday_date`` (also ``long_date``), ``month_year``, ``local_time``, ``local_datetime`` and
``number``. A filter takes the
locale and zone from the ``practice`` of the template's context: on a page, this request's
settings; in an email, the settings the worker read for its batch. Outside both (a macro
imported without context) it reads this request's settings.

A date may also arrive as ISO text (``"2027-04-18"``): email contexts are JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal
from flask import has_app_context
from jinja2 import pass_context
from jinja2.runtime import Context

Moment = date | datetime | str | None


class Where:
    """A locale and a time zone: how and on which clock to write a date."""

    def __init__(self, locale: str, time_zone: str) -> None:
        self.locale = locale
        self.zone = ZoneInfo(time_zone)


DEFAULT = ("en_US", "America/Los_Angeles")  # outside any app (a picture drawn on its own)


def here() -> Where:
    """The practice's, for this request (or app context)."""
    from portal.core import practice

    if not has_app_context():
        return Where(*DEFAULT)
    details = practice.current()
    return Where(details.locale, details.time_zone)


def _value(value: Moment, where: Where) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(where.zone)
    return value


def local_date(value: Moment, where: Where | None = None) -> str:
    """``Dec 7, 2026``: the practice's date of ``value``."""
    where = where or here()
    found = _value(value, where)
    return "" if found is None else format_date(found, "medium", locale=where.locale)


def full_date(value: Moment, where: Where | None = None) -> str:
    """``December 7, 2026``: in sentences ("timed to your race on December 7, 2026")."""
    where = where or here()
    found = _value(value, where)
    return "" if found is None else format_date(found, "long", locale=where.locale)


def weekday_date(value: Moment, where: Where | None = None) -> str:
    """``Mon, Dec 7, 2026``: for sessions and races, where the day of the week helps."""
    where = where or here()
    found = _value(value, where)
    return "" if found is None else format_skeleton("yMMMEd", found, locale=where.locale)


def day_month(value: Moment, where: Where | None = None) -> str:
    """``Dec 7``: chart labels, where the year is plain from the chart."""
    where = where or here()
    found = _value(value, where)
    return "" if found is None else format_skeleton("MMMd", found, locale=where.locale)


def month_year(value: Moment, where: Where | None = None) -> str:
    """``December 2026``."""
    where = where or here()
    found = _value(value, where)
    return "" if found is None else format_skeleton("yMMMM", found, locale=where.locale)


def local_time(value: datetime | time | None, where: Where | None = None) -> str:
    """``7:45 AM``: a moment on the practice's clock, or a wall-clock time as it is."""
    if value is None:
        return ""
    where = where or here()
    if isinstance(value, datetime):
        value = value.astimezone(where.zone)
    return format_time(value, "short", locale=where.locale)


def local_datetime(value: datetime | None, where: Where | None = None) -> str:
    """``Mon, Dec 7, 2026, 7:45 AM``: a stored (UTC) moment as the practice's clock showed it."""
    if value is None:
        return ""
    where = where or here()
    moment = value.astimezone(where.zone)
    pattern = str(Locale.parse(where.locale).datetime_formats["medium"])
    return pattern.format(
        format_time(moment, "short", locale=where.locale),
        format_skeleton("yMMMEd", moment, locale=where.locale),
    )


def number(value: int | float | None, where: Where | None = None) -> str:
    """``1,234`` (or ``1.234`` where the locale writes it so)."""
    if value is None:
        return ""
    return format_decimal(value, locale=(where or here()).locale)


def _where_of(context: Context) -> Where:
    details = context.get("practice")
    if details is None:
        return here()
    return Where(details.locale, details.time_zone)


def _as_filter(function: Callable[..., str]) -> Callable[..., str]:
    @pass_context
    def apply(context: Context, value: Any) -> str:
        return function(value, _where_of(context))

    apply.__doc__ = function.__doc__
    return apply


WRITERS: dict[str, Callable[..., str]] = {
    "local_date": local_date,
    "short_date": local_date,
    "full_date": full_date,
    "weekday_date": weekday_date,
    "long_date": weekday_date,
    "day_month": day_month,
    "month_year": month_year,
    "local_time": local_time,
    "local_datetime": local_datetime,
    "number": number,
}
FILTERS = {name: _as_filter(function) for name, function in WRITERS.items()}
