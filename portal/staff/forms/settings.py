"""The back office's forms for the practice settings (details, look, locale).

Each form's ``values()`` returns exactly the model fields it sets, already normalised, so
the services never see form plumbing (CSRF tokens, submit buttons, empty strings).
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    SelectField,
    SubmitField,
    URLField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal.clients.links import is_web_url
from portal.core.text import normalise_email, strip
from portal.mail.compose import check_address
from portal.web.forms import (
    Form,
    line_field,
    options,
)


def _optional_email(label: str, **kwargs: Any) -> EmailField:
    return EmailField(
        label,
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
        filters=[normalise_email],
        **kwargs,
    )


PHONE_CHARACTERS = set("0123456789 +-().")
BRAND_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# The locales and zones a practice is likeliest to want; Babel writes every one of them.
LOCALE_CHOICES = [
    ("en_US", "English (United States): Dec 7, 2026, 2:30 PM"),
    ("en_CA", "English (Canada)"),
    ("en_GB", "English (United Kingdom): 7 Dec 2026, 14:30"),
    ("en_IE", "English (Ireland)"),
    ("en_AU", "English (Australia)"),
    ("en_NZ", "English (New Zealand)"),
    ("es_US", "Español (Estados Unidos)"),
    ("fr_CA", "Français (Canada)"),
    ("de_DE", "Deutsch (Deutschland)"),
]
TIME_ZONE_CHOICES = [
    ("America/Los_Angeles", "Pacific time (Los Angeles)"),
    ("America/Denver", "Mountain time (Denver)"),
    ("America/Phoenix", "Arizona (Phoenix)"),
    ("America/Chicago", "Central time (Chicago)"),
    ("America/New_York", "Eastern time (New York)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Toronto", "Toronto"),
    ("America/Vancouver", "Vancouver"),
    ("Europe/London", "London"),
    ("Europe/Dublin", "Dublin"),
    ("Europe/Berlin", "Berlin"),
    ("Australia/Sydney", "Sydney"),
    ("Pacific/Auckland", "Auckland"),
]


class PracticeSettingsForm(Form):
    """The practice's details (admins): the footer, "how to book" and every email use them."""

    name = line_field("Practice name", max_length=120, required=True)
    address = line_field(
        "Postal address",
        max_length=300,
        required=True,
        description="One line, e.g. “12 Tempo Lane, Riverside, RS1 4KM”. Shown in the "
        "site's footer and at the bottom of every email.",
    )
    phone = line_field("Phone", max_length=40, description="Optional; clients can call to book.")
    opening_hours = line_field(
        "Opening hours", max_length=200, description="Optional, e.g. “Mon–Fri 8:00–20:00”."
    )
    booking_url = URLField(
        "Online booking (web address)",
        validators=[Optional(), Length(max=500)],
        filters=[strip],
        description="Optional; must start with https:// or http://.",
    )
    booking_email = _optional_email("Booking email", description="Optional.")
    sender_email = EmailField(
        "Sender address",
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
        filters=[normalise_email],
        description="The From of every email the site sends; your mail server must be "
        "allowed to send for it.",
    )
    logo = FileField(
        "Logo",
        description="Optional. A PNG, JPEG or WebP, square or wide; it is re-saved without "
        "its hidden data. Shown in the site's header and at the top of every email.",
    )
    remove_logo = BooleanField("Remove the logo")
    brand_colour = line_field(
        "Brand colour",
        max_length=7,
        description="Optional, as #rrggbb, e.g. #0b5d57. The header and every email use it; "
        "text on it is black or white, whichever reads better.",
    )
    locale = SelectField(
        "Language and region",
        choices=options(LOCALE_CHOICES),
        default="en_US",
        description="How dates, times and numbers are written.",
    )
    time_zone = SelectField(
        "Time zone",
        choices=options(TIME_ZONE_CHOICES),
        default="America/Los_Angeles",
        description="The practice's clock: “today”, session times and when tips go out.",
    )
    submit = SubmitField("Save settings")

    def validate_brand_colour(self, field: Field) -> None:
        if field.data and not BRAND_COLOUR.match(field.data):
            raise ValidationError("Enter a colour as # and six hex digits, e.g. #0b5d57.")

    def validate_phone(self, field: Field) -> None:
        digits = sum(c.isdigit() for c in field.data or "")
        if field.data and (set(field.data) - PHONE_CHARACTERS or digits < 6):
            raise ValidationError("Enter a phone number: digits, spaces, + - ( ) only.")

    def validate_booking_url(self, field: Field) -> None:
        if field.data and not is_web_url(field.data):
            raise ValidationError("Enter a web address that starts with https:// or http://.")

    def validate_sender_email(self, field: Field) -> None:
        try:
            check_address(field.data or "")
        except ValueError:
            raise ValidationError(
                "Use a plain address in ASCII letters, e.g. hello@example.com."
            ) from None

    def values(self) -> dict[str, Any]:
        """What to save, without the logo (the view decides that from the upload)."""
        names = ("name", "address", "phone", "opening_hours", "booking_url", "booking_email")
        values: dict[str, Any] = {name: getattr(self, name).data or None for name in names}
        values["sender_email"] = self.sender_email.data
        values["brand_colour"] = (self.brand_colour.data or "").lower() or None
        values["locale"] = self.locale.data
        values["time_zone"] = self.time_zone.data
        return values
