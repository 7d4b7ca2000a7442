"""The list headers every newsletter, tip, article and welcome email carries.

``List-Unsubscribe`` holds the subscriber's own HTTPS link, filled in when the message is
sent (``{unsubscribe_url}``, see ``portal.mail.render.personalise``); with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058) a mail provider's
"unsubscribe" button POSTs to it and the address is off the list at once. ``List-Id``
(RFC 2919) names the list so providers and filters can recognise it.
"""

from __future__ import annotations

from flask import current_app

from portal.core import practice
from portal.mail.compose import Sender


def list_id() -> str:
    """``NEWSLETTER_LIST_ID``, else made of the practice's saved name and sender domain."""
    configured = current_app.config.get("NEWSLETTER_LIST_ID")
    if configured:
        return configured
    details = practice.current()
    domain = Sender.parse(details.sender_email).domain
    return f"{details.name} newsletter <newsletter.{domain}>"


def list_headers() -> dict[str, str]:
    """Header templates for a personalised row (braces in the List-Id are escaped)."""
    return {
        "List-Unsubscribe": "<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": list_id().replace("{", "{{").replace("}", "}}"),
    }
