"""Device cookies: a device where an account signed in before is not locked out with strangers.

The per-account limit on failed sign-ins (``LOGIN_FAILURES_PER_ACCOUNT``) stops password
guessing, but anyone can trip it on purpose and lock the owner out. Following OWASP's "device
cookies", a successful sign-in (or a password reset, or an accepted invitation, which prove the
same) leaves a cookie on the device that names the account and a random nonce, signed with
``SECRET_KEY``. A later sign-in that presents a valid cookie for the account it names is a
*trusted* attempt: its failures count against that one cookie (``LOGIN_FAILURES_PER_DEVICE``,
a smaller limit), not against the account, so a stranger who exhausted the account's limit
does not lock the owner out of a device they have used before. Everything else is anonymous
and keeps the per-account limit. The limits themselves are in ``portal.auth.throttle``.

The cookie's content is never trusted unsigned: a forged or altered cookie, an expired one,
or one for another account makes the attempt anonymous. It is HttpOnly, SameSite=Lax, Secure
in production, and sent only to the sign-in page (its path). One cookie per device: signing
in to another account on the same device replaces it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, g, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from portal.auth.services import find_user_by_email
from portal.core.text import is_single_line, normalise_email
from portal.models import User

COOKIE_NAME = "device"  # the default of DEVICE_COOKIE_NAME (production: "__Secure-device")
_SALT = "portal.device-cookie"  # a signature for this purpose fits no other


@dataclass(frozen=True)
class DeviceCookie:
    user_id: int
    nonce: str


def cookie_name() -> str:
    return str(current_app.config.get("DEVICE_COOKIE_NAME") or COOKIE_NAME)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _max_age() -> int:
    return int(current_app.config["DEVICE_COOKIE_DAYS"]) * 24 * 3600


def remember_device(response: Response, user: User) -> Response:
    """Give this device a fresh cookie for ``user`` (a new nonce: a fresh count of failures)."""
    value = _serializer().dumps({"user": user.id, "nonce": secrets.token_urlsafe(16)})
    response.set_cookie(
        cookie_name(),
        value,
        max_age=_max_age(),
        path=url_for("auth.login"),
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response


def presented_cookie() -> DeviceCookie | None:
    """The request's device cookie if its signature and age are good, else None."""
    value = request.cookies.get(cookie_name())
    if not value:
        return None
    try:
        data = _serializer().loads(value, max_age=_max_age())
    except BadSignature:  # also covers an expired signature
        return None
    if not isinstance(data, dict):
        return None
    user_id, nonce = data.get("user"), data.get("nonce")
    if not isinstance(user_id, int) or not isinstance(nonce, str) or not nonce:
        return None
    return DeviceCookie(user_id=user_id, nonce=nonce)


def trusted_device() -> DeviceCookie | None:
    """The device cookie, if this sign-in presents a valid one for the account it names.

    Worked out once per request (both login limits ask), so they cannot disagree. Without a
    valid cookie no query runs; with one, the submitted address is looked up.
    """
    if "login_device" not in g:
        cookie = presented_cookie() if request.method == "POST" else None
        if cookie is not None:
            # Before the form is validated: an address that could not be stored is no
            # account's (PostgreSQL would refuse a NUL in the query).
            email = normalise_email(request.form.get("email")) or ""
            usable = 0 < len(email) <= 254 and is_single_line(email)
            user = find_user_by_email(email) if usable else None
            if user is None or user.id != cookie.user_id:
                cookie = None
        g.login_device = cookie
    return g.login_device
