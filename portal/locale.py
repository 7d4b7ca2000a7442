"""Dates, times and numbers as people at the practice write them, by Babel.

The practice's locale (``en_US``) and time zone (``America/Los_Angeles``) are practice
settings (defaults: ``PRACTICE_LOCALE``, ``PRACTICE_TIMEZONE``). Every date a person reads,
on a page or in an email, is written by one of these functions, so the site writes "Dec 7,
2026" in one way everywhere and never an ISO date in prose. Machine-readable dates
(``<time datetime>``, feeds, iCalendar) stay ISO.

Templates use them as filters: ``local_date``, ``long_date``, ``weekday_date``, ``local_time``,
``local_datetime``, ``month_year``, ``number``.
"""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal
from flask import Flask

from portal.clock import practice_zone


def practice_locale() -> str:
    from portal import practice

    return practice.current().locale


def _on_practice_clock(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime):
        return value.astimezone(practice_zone())
    return value


def local_date(value: date | datetime | None) -> str:
    """``Dec 7, 2026``: the practice's date of ``value``."""
    if value is None:
        return ""
    day = _on_practice_clock(value)
    return format_date(day, "medium", locale=practice_locale())


def long_date(value: date | datetime | None) -> str:
    """``December 7, 2026``."""
    if value is None:
        return ""
    return format_date(_on_practice_clock(value), "long", locale=practice_locale())


def weekday_date(value: date | datetime | None) -> str:
    """``Mon, Dec 7, 2026``: for sessions and appointments, where the day of the week helps."""
    if value is None:
        return ""
    return format_skeleton("yMMMEd", _on_practice_clock(value), locale=practice_locale())


def month_year(value: date | datetime | None) -> str:
    """``December 2026``."""
    if value is None:
        return ""
    return format_skeleton("yMMMM", _on_practice_clock(value), locale=practice_locale())


def local_time(value: datetime | None) -> str:
    """``7:45 AM`` on the practice's clock."""
    if value is None:
        return ""
    return format_time(value, "short", tzinfo=practice_zone(), locale=practice_locale())


def local_datetime(value: datetime | None) -> str:
    """``Mon, Dec 7, 2026, 7:45 AM``: a stored (UTC) moment as the practice's clock showed it."""
    if value is None:
        return ""
    locale = practice_locale()
    moment = value.astimezone(practice_zone())
    pattern = Locale.parse(locale).datetime_formats["medium"]
    return str(pattern).format(
        format_time(moment, "short", locale=locale),
        format_skeleton("yMMMEd", moment, locale=locale),
    )


def number(value: int | float | None) -> str:
    """``1,234`` (or ``1.234`` where the locale writes it so)."""
    if value is None:
        return ""
    return format_decimal(value, locale=practice_locale())


FILTERS = {
    "local_date": local_date,
    "long_date": long_date,
    "weekday_date": weekday_date,
    "month_year": month_year,
    "local_time": local_time,
    "local_datetime": local_datetime,
    "number": number,
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
