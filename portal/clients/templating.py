"""Template helpers for client records, used by the portal and the back office alike."""

from __future__ import annotations

from datetime import date

from portal.clients import bp
from portal.clients.links import further_reading

bp.add_app_template_global(further_reading, "further_reading")


@bp.app_template_filter("long_date")
def long_date(value: date | None) -> str:
    """``Thu 27 Nov 2026``: the day unpadded on every platform (``%-d`` is glibc only)."""
    return f"{value:%a} {value.day} {value:%b %Y}" if value else ""


@bp.app_template_filter("short_date")
def short_date(value: date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""
