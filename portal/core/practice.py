"""The practice's details (name, address, phone, hours, how to book, sender address).

An admin edits them in the back office (``/staff/settings``); until then they come from the
configuration (``PRACTICE_NAME``, ``PRACTICE_ADDRESS``, ``MAIL_DEFAULT_SENDER``). They appear
in the site's footer, on the client dashboard ("how to book") and in every email.

Reading them is one small query, done at most once per request (``current``, kept on ``g``)
and once per batch of mail (``load``, on the worker's connection), never per message: a
change shows on the next request and in the next batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app, g

from portal.core import audit
from portal.core.audit import AuditAction, AuditTarget
from portal.core.render_cache import GLOBAL, track
from portal.extensions import db
from portal.models import PracticeSettings, User
from portal.models.practice import SETTINGS_ID
from portal.models.types import utcnow

# What an admin edits, in the order of the form.
EDITABLE = (
    "name",
    "address",
    "phone",
    "opening_hours",
    "booking_url",
    "booking_email",
    "sender_email",
    "logo_filename",
    "brand_colour",
    "locale",
    "time_zone",
)

DEFAULT_BRAND_COLOUR = "#0b5d57"


@dataclass(frozen=True)
class PracticeDetails:
    name: str
    address: str
    phone: str | None
    opening_hours: str | None
    booking_url: str | None
    booking_email: str | None
    sender_email: str
    logo_filename: str | None  # an article image (``/blog/images/``), or no logo
    brand_colour: str | None  # "#rrggbb", or the site's own colour
    locale: str  # "en_US": how dates and numbers are written (portal/core/locale.py)
    time_zone: str  # "America/Los_Angeles": the practice's clock (portal/core/clock.py)
    sender_name: str  # the display name of the From header
    saved: bool  # False while the configuration's defaults are in use

    @property
    def colour(self) -> str:
        """The brand colour, or the site's own when none is chosen."""
        return self.brand_colour or DEFAULT_BRAND_COLOUR

    @property
    def colour_ink(self) -> str:
        """Black or white, whichever reads better on the brand colour (WCAG contrast)."""
        return ink_on(self.colour)

    @property
    def logo_path(self) -> str | None:
        return f"/blog/images/{self.logo_filename}" if self.logo_filename else None

    @property
    def phone_link(self) -> str | None:
        """``tel:`` link for the phone number: its digits and a leading +."""
        if not self.phone:
            return None
        digits = "".join(c for c in self.phone if c.isdigit())
        return f"tel:{'+' if self.phone.lstrip().startswith('+') else ''}{digits}"

    @property
    def how_to_book(self) -> bool:
        return bool(self.phone or self.booking_url or self.booking_email)


def from_config(config: Mapping[str, Any]) -> PracticeDetails:
    sender_name, sender_email = parseaddr(config["MAIL_DEFAULT_SENDER"])
    return PracticeDetails(
        name=config["PRACTICE_NAME"],
        address=config["PRACTICE_ADDRESS"],
        phone=None,
        opening_hours=None,
        booking_url=None,
        booking_email=None,
        sender_email=sender_email,
        logo_filename=None,
        brand_colour=None,
        locale=config["PRACTICE_LOCALE"],
        time_zone=config["PRACTICE_TIMEZONE"],
        sender_name=sender_name,
        saved=False,
    )


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two "#rrggbb" colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


PAPER = "#fbfaf7"  # the page's background (static/css/site.css)


def brand_colours(colour: str) -> dict[str, str]:
    """The header's colour and its text, and the colour of links and buttons on the page:
    the brand colour where it reads well on the page (4.5:1), else the site's own."""
    return {
        "brand": colour,
        "brand_ink": ink_on(colour),
        "accent": colour if contrast(colour, PAPER) >= 4.5 else DEFAULT_BRAND_COLOUR,
    }


def ink_on(colour: str) -> str:
    return "#ffffff" if contrast(colour, "#ffffff") >= contrast(colour, "#111111") else "#111111"


class _Executes(Protocol):
    def execute(self, statement: Any, /) -> Any: ...


def load(executor: _Executes, config: Mapping[str, Any]) -> PracticeDetails:
    """The saved details, or the configuration's: one query on a session or a connection."""
    row = executor.execute(
        sa.select(*(getattr(PracticeSettings, name) for name in EDITABLE)).where(
            PracticeSettings.id == SETTINGS_ID
        )
    ).first()
    if row is None:
        return from_config(config)
    values = row._asdict()
    values["locale"] = values["locale"] or config["PRACTICE_LOCALE"]
    values["time_zone"] = values["time_zone"] or config["PRACTICE_TIMEZONE"]
    return PracticeDetails(**values, sender_name=values["name"], saved=True)


# Where the global version is among a person's own versions (``render_cache.own_scopes``).
GLOBAL_POSITION = 1


def known_global_version() -> int | None:
    """The global render version this request has already read, if any: on its own, or with
    the signed-in person's row (``portal.auth.session``), then kept on ``g``. Reads nothing."""
    version = g.get("global_version")
    if version is None:
        own = g.get("own_versions")
        if own is not None:
            version = g.global_version = own[1][GLOBAL_POSITION]
    return version


def current() -> PracticeDetails:
    """The details for this request (or app context): read once, then kept on ``g``.

    A page that has read the global render version (``portal.core.render_cache``) finds them in
    the process's cache under it: changing the settings bumps that version.
    """
    details = g.get("practice_details")
    if details is None:
        version = g.get("global_version")
        cached = current_app.extensions.get("practice_by_version")
        if version is not None and cached is not None and cached[0] == version:
            details = cached[1]
        else:
            details = load(db.session, current_app.config)
            if version is not None:
                current_app.extensions["practice_by_version"] = (version, details)
        g.practice_details = details
    return details


track(PracticeSettings, lambda _settings: [GLOBAL])


def save(values: Mapping[str, Any], *, by: User) -> list[str]:
    """Store the admin's ``values`` (a validated form's); return the names that changed.

    Written with its audit entry in the caller's transaction. The first save also stores the
    configuration's values the form showed, so from then on the database alone decides.
    """
    settings = db.session.get(PracticeSettings, SETTINGS_ID)
    before = current()
    if settings is None:
        settings = PracticeSettings(id=SETTINGS_ID)
        db.session.add(settings)
    changed = [name for name in EDITABLE if getattr(before, name) != values.get(name)]
    for name in EDITABLE:
        setattr(settings, name, values.get(name))
    if changed or not before.saved:
        settings.updated_at = utcnow()
        settings.updated_by_id = by.id
        audit.record(
            AuditAction.SETTINGS_UPDATE,
            target_type=AuditTarget.SETTINGS,
            target_id=SETTINGS_ID,
            detail="changed: " + ", ".join(changed) if changed else "first saved",
        )
    g.pop("practice_details", None)  # this request's later reads see the new values
    g.pop("global_version", None)  # read before the change: not for the new values
    return changed
