"""Demo practice settings: a phone number, opening hours and a booking address.

The name, postal address and sender come from the configuration, as they would before an
admin first saves. Settings an admin already saved are left alone.
"""

from __future__ import annotations

from flask import current_app

from portal.core.practice import from_config
from portal.extensions import db
from portal.models import PracticeSettings
from portal.models.practice import SETTINGS_ID

DEMO_DETAILS = {
    "phone": "01632 960 123",  # a UK number reserved for drama: it rings nowhere
    "opening_hours": "Mon–Fri 7:30–20:00, Sat 8:00–13:00",
    "booking_email": "bookings@massageworks.example",
}


def seed() -> list[str]:
    if db.session.get(PracticeSettings, SETTINGS_ID) is not None:
        return ["practice settings already present"]
    defaults = from_config(current_app.config)
    db.session.add(
        PracticeSettings(
            id=SETTINGS_ID,
            name=defaults.name,
            address=defaults.address,
            sender_email=defaults.sender_email,
            **DEMO_DETAILS,
        )
    )
    db.session.commit()
    return ["demo practice settings created (phone, opening hours, booking email)"]
