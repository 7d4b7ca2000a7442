"""Demo practice settings: Massage Works in Los Gatos, California, with a logo and a colour.

The address, phone number and hours are made up (555-01xx numbers ring nowhere). Settings
an admin saved are left alone; settings still holding the configuration's placeholder
address (an older demo) become the practice's.
"""

from __future__ import annotations

from io import BytesIO

from flask import current_app, g
from PIL import Image, ImageDraw, ImageFont

from portal.blog.images import store_image
from portal.core.practice import from_config
from portal.extensions import db
from portal.models import PracticeSettings
from portal.models.practice import SETTINGS_ID

BRAND_COLOUR = "#1d4f6e"  # a deep lake blue
DEMO_DETAILS = {
    "name": "Massage Works",
    "address": "118 Bachman Avenue, Suite 2, Los Gatos, CA 95030",
    "phone": "(408) 555-0142",
    # Sessions in the demo fall inside these hours (portal/demo/sessions.py).
    "opening_hours": "Mon–Fri 7 AM–7 PM, Sat 8 AM–1 PM",
    "booking_email": "book@massageworks.example",
    "brand_colour": BRAND_COLOUR,
    "locale": "en_US",
    "time_zone": "America/Los_Angeles",
}
OLD_PLACEHOLDER = "12 Tempo Lane, Riverside, RS1 4KM"


def draw_logo() -> bytes:
    """A round badge with the practice's initials, drawn here so the demo ships no file."""
    size = 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, size - 4, size - 4), fill=BRAND_COLOUR)
    draw.arc((40, 40, size - 40, size - 40), start=200, end=340, fill="#f2b705", width=10)
    font = ImageFont.load_default(size=104)
    draw.text((size / 2, size / 2 + 18), "MW", fill="#ffffff", font=font, anchor="mm")
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed() -> list[str]:
    settings = db.session.get(PracticeSettings, SETTINGS_ID)
    if settings is not None and settings.address != OLD_PLACEHOLDER:
        return ["practice settings already present"]
    logo = store_image(draw_logo(), alt_text="Massage Works logo", uploader=None)
    if settings is None:
        settings = PracticeSettings(
            id=SETTINGS_ID, sender_email=from_config(current_app.config).sender_email
        )
        db.session.add(settings)
    for name, value in DEMO_DETAILS.items():
        setattr(settings, name, value)
    settings.logo_filename = logo.filename
    db.session.commit()
    # Read again: "today" was worked out before they existed, under an older version.
    g.pop("practice_details", None)
    g.pop("global_version", None)
    return ["demo practice settings: Massage Works, Los Gatos (logo, colour, hours, phone)"]
