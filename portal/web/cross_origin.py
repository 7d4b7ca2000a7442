"""Protection against cross-site request forgery: the browser's word first, tokens second.

Every unsafe request (POST, PUT, PATCH, DELETE), from anyone, is checked against the
headers every current browser sends with it (docs/security.md, "Cross-site requests"):

1. ``Sec-Fetch-Site``: ``same-origin`` or ``none`` (the person typed the address or used a
   bookmark) passes; ``same-site`` and ``cross-site`` are refused with 403;
2. without it (browsers older than 2023), ``Origin``: passes when it names this site (the
   request's own host, as ``ProxyFix`` gives it, or ``PORTAL_BASE_URL``), else 403;
3. with neither, the request did not come from a current browser (a mail provider's
   RFC 8058 one-click unsubscribe, a script, a very old browser) and passes this check:
   a forged request needs a victim's browser, and every browser since 2020 sends one of
   the two.

Signed-in people's forms keep Flask-WTF's token as a second layer (``CSRFProtect`` with
``WTF_CSRF_CHECK_DEFAULT`` off, called here for them only), which also covers a signed-in
person on a browser that sends neither header. Anonymous readers' forms carry no token:
a token needs a session, a session needs a cookie, and a page with a cookie of its own
could not be the one page every anonymous reader shares (docs/blog.md).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from werkzeug.exceptions import Forbidden

from portal.extensions import csrf
from portal.web import security_log
from portal.web.visitor import signed_in

# Stands for this request's CSRF token in a part kept for many requests (a cached page or
# box), filled in per request. NUL is in no text the site stores (forms refuse it, imports
# strip it, migration 0007 removed it from older rows), so no stored text can forge it.
CSRF_PLACEHOLDER = "\x00csrf\x00"

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAME_ORIGIN = frozenset({"same-origin", "none"})


def tokens_apply() -> bool:
    """Whether this request's forms carry (and its posts need) a Flask-WTF token."""
    return bool(current_app.config.get("WTF_CSRF_ENABLED", True)) and signed_in()


def form_token() -> str:
    """This request's CSRF token, or "" when its forms carry none (anonymous readers)."""
    return generate_csrf() if tokens_apply() else ""


def csrf_input() -> Markup:
    """The hidden CSRF field of a hand-written form, or nothing for an anonymous reader."""
    token = form_token()
    if not token:
        return Markup("")
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % escape(token)


def _is_this_site(origin: str) -> bool:
    """Whether ``origin`` names the host this request was sent to (as Go's
    ``CrossOriginProtection`` compares: the host and port, whatever the scheme a proxy in
    front ended), or the site's own address (``PORTAL_BASE_URL``)."""
    given = urlsplit(origin.strip().lower())
    if given.netloc == request.host.lower():
        return True
    base = urlsplit((current_app.config.get("PORTAL_BASE_URL") or "").lower())
    return bool(base.netloc) and (given.scheme, given.netloc) == (base.scheme, base.netloc)


class CrossSiteRequest(Forbidden):
    description = "This form was sent from another site, so it was not accepted."


def cross_site_reason() -> str | None:
    """Why this unsafe request looks cross-site, or None if it may go on."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return None if site.lower() in SAME_ORIGIN else f"Sec-Fetch-Site {site[:20]}"
    origin = request.headers.get("Origin")
    if origin is None:
        return None  # not from a current browser (module docstring, 3)
    if _is_this_site(origin):
        return None
    return "Origin of another site"


def check_request() -> None:
    """Before every request: refuse cross-site unsafe requests, then check the token of a
    signed-in person's form (views marked ``csrf.exempt`` excepted)."""
    if request.method not in UNSAFE_METHODS:
        return
    reason = cross_site_reason()
    if reason is not None:
        security_log.event("cross_site_refused", warning=True, reason=reason)
        raise CrossSiteRequest()
    if tokens_apply():
        csrf.protect(apply_exemptions=True)


def init_app(app: Flask) -> None:
    """After the sign-in wiring: an expired session is dropped before ``signed_in`` asks."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in ``check_request`` instead
    app.before_request(check_request)
    app.jinja_env.globals["csrf_input"] = csrf_input
