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
)


@dataclass(frozen=True)
class PracticeDetails:
    name: str
    address: str
    phone: str | None
    opening_hours: str | None
    booking_url: str | None
    booking_email: str | None
    sender_email: str
    sender_name: str  # the display name of the From header
    saved: bool  # False while the configuration's defaults are in use

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
        sender_name=sender_name,
        saved=False,
    )


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
    return PracticeDetails(**values, sender_name=values["name"], saved=True)


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
    return changed
