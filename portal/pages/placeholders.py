"""The practice's details inside a page's text, so a page never repeats what the settings say.

A page may write ``[[address]]``, ``[[phone]]``, ``[[hours]]``, ``[[booking_email]]``,
``[[booking_link]]`` or ``[[name]]``; when the page is shown each is replaced by the current
practice setting (escaped; a setting left empty becomes nothing). Changing the address in
the practice settings changes every page that names it.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from portal.core import practice

PLACEHOLDER = re.compile(r"\[\[(address|phone|hours|booking_email|booking_link|name)\]\]")
NAMES = ("address", "phone", "hours", "booking_email", "booking_link", "name")


def _value(name: str, details: practice.PracticeDetails) -> Markup:
    if name == "phone" and details.phone:
        return Markup('<a href="{}">{}</a>').format(details.phone_link, details.phone)
    if name == "booking_email" and details.booking_email:
        return Markup('<a href="mailto:{0}">{0}</a>').format(details.booking_email)
    if name == "booking_link" and details.booking_url:
        return Markup('<a href="{}">Book online</a>').format(details.booking_url)
    text = {
        "address": details.address,
        "hours": details.opening_hours,
        "name": details.name,
    }.get(name)
    return escape(text or "")


def fill_in(html: str) -> Markup:
    """The page's sanitized HTML with each placeholder replaced by its setting."""
    if "[[" not in html:
        return Markup(html)  # noqa: S704 (sanitized when saved)
    details = practice.current()
    return Markup(  # noqa: S704 (sanitized when saved; the values are escaped)
        PLACEHOLDER.sub(lambda match: str(_value(match.group(1), details)), html)
    )
