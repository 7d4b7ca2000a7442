"""Security events: one log line each, on the ``portal.security`` logger (ASVS V16.3).

Sign-ins (succeeded, failed and why, throttled, locked out), sign-outs, expired sessions,
password changes and resets, refused re-authentication, refused access (403) and refused
forms (a missing or wrong CSRF token). With ``LOG_FORMAT=json`` (production) each line is one
JSON object carrying ``event``, ``user_id``, ``remote_addr``, ``path`` (tokens redacted),
``request_id`` and a UTC ``time``; ``details`` holds the event's own fields. Emails,
passwords and tokens are never written: an unknown address is logged as such, not spelled.
"""

from __future__ import annotations

import logging

from flask import has_request_context, request

from portal.web.log_redaction import redact

log = logging.getLogger("portal.security")


def event(
    name: str, *, user_id: int | None = None, warning: bool = False, **details: str | int | bool
) -> None:
    """Log the security event ``name`` (``details``: short values chosen by the code)."""
    remote_addr = path = None
    if has_request_context():
        remote_addr, path = request.remote_addr, redact(request.path)
    text = " ".join(f"{key}={value}" for key, value in details.items())
    log.log(
        logging.WARNING if warning else logging.INFO,
        "security %s user=%s %s",
        name,
        user_id if user_id is not None else "-",
        text,
        extra={
            "event": name,
            "user_id": user_id,
            "remote_addr": remote_addr,
            "path": path,
            "details": details or None,
        },
    )
