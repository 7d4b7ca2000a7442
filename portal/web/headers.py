"""Security headers on every response.

The policy allows no inline script and no script at all beyond this origin; pages need no
JavaScript to work. Styles come from our own stylesheet only.
"""

from __future__ import annotations

from flask import Flask, Response, current_app

from portal.web.visitor import carries_sign_in

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def init_app(app: Flask) -> None:
    defaults = SECURITY_HEADERS + ((HSTS,) if app.config.get("HSTS") else ())
    app.extensions["security_headers"] = tuple(
        (name.lower(), name, value) for name, value in defaults
    )
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Every header of the policy that the view did not set itself (the sandboxed mail frame
    sets its own CSP). One pass over the response's few headers: ``setdefault`` per header
    looked each one up and built a ``KeyError`` for every absent one."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for lowered, name, value in current_app.extensions["security_headers"]:
        if lowered not in present:
            headers.add(name, value)
    if "cache-control" not in present and carries_sign_in():
        # ASVS 14.3.2: a signed-in person's pages (records, mail, the back office) stay out
        # of the browser's cache and any shared cache; views that chose a policy keep it.
        headers["Cache-Control"] = "no-store"
    return response
