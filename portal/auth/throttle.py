"""Rate limits for the account forms (Flask-Limiter; Redis-backed when ``REDIS_URL`` is set).

Limits are settings so a deployment can tune them. Each form is limited per client IP and
per target account (the submitted email), so neither many addresses from one IP nor one
address from many IPs gets unlimited attempts.

Sign-in failures are counted in one of two places (``portal.auth.devices``): an attempt from
a device that holds a valid device cookie for the account counts against that cookie
(``LOGIN_FAILURES_PER_DEVICE``); any other attempt counts against the account
(``LOGIN_FAILURES_PER_ACCOUNT``). So whoever exhausts the account's limit locks out only
anonymous attempts, never the owner on a device they signed in from before. When the
account's limit trips, its owner is told by email, once per window of the limit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Response, current_app, request
from flask_limiter import RequestLimit

from portal.auth import devices, emails, services
from portal.core.text import normalise_email
from portal.extensions import db, limiter
from portal.web import security_log

log = logging.getLogger(__name__)


def submitted_email() -> str:
    return normalise_email(request.form.get("email")) or ""


def submitted_account() -> str:
    """The rate-limit key of the account a form is about: its normalised email."""
    return "account:" + submitted_email()


def device_key() -> str:
    """The rate-limit key of a trusted sign-in: its device cookie's nonce."""
    cookie = devices.trusted_device()
    return "device:" + cookie.nonce if cookie else ""


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def login_failed(response: Response) -> bool:
    # A successful sign-in redirects; only failures count against the account.
    return response.status_code != 302


def _is_trusted() -> bool:
    return devices.trusted_device() is not None


def _is_anonymous() -> bool:
    return devices.trusted_device() is None


def tell_owner_about_lockout(breach: RequestLimit) -> None:
    """The account's limit tripped: email its owner, once per window of the limit.

    Every refused attempt lands here. A second counter, of one per window of the tripped
    limit and kept in the same storage (so shared by every web process), lets only the first
    of them through; the outbox's idempotency key (account and window) backs it up.
    """
    window = breach.limit
    notice = type(window)(1, window.multiples)
    keys = [*breach.request_args, "lockout-notice"]
    if not breach.limiter.hit(notice, *keys):
        return
    user = services.find_user_by_email(submitted_email())
    if user is None or not user.is_active:
        return
    stats = breach.limiter.get_window_stats(notice, *keys)
    started = datetime.fromtimestamp(stats.reset_time - window.get_expiry(), UTC)
    emails.send_login_lockout(
        user, window_started=started, window_seconds=window.get_expiry(), failures=window.amount
    )
    db.session.commit()
    security_log.event("login_locked_out", user_id=user.id, warning=True, limit=str(window))


login_per_ip = limiter.limit(_setting("LOGIN_LIMIT_PER_IP"), methods=["POST"])
login_per_account = limiter.limit(
    _setting("LOGIN_FAILURES_PER_ACCOUNT"),
    key_func=submitted_account,
    methods=["POST"],
    deduct_when=login_failed,
    exempt_when=_is_trusted,
    on_breach=tell_owner_about_lockout,
    scope="login-account",
)
login_per_device = limiter.limit(
    _setting("LOGIN_FAILURES_PER_DEVICE"),
    key_func=device_key,
    methods=["POST"],
    deduct_when=login_failed,
    exempt_when=_is_anonymous,
    scope="login-device",
)
register_per_ip = limiter.limit(_setting("REGISTER_LIMIT_PER_IP"), methods=["POST"])
register_per_account = limiter.limit(
    _setting("REGISTER_LIMIT_PER_ACCOUNT"),
    key_func=submitted_account,
    methods=["POST"],
    scope="register-account",
)
reset_per_ip = limiter.limit(_setting("RESET_LIMIT_PER_IP"), methods=["POST"])
reset_per_account = limiter.limit(
    _setting("RESET_LIMIT_PER_ACCOUNT"),
    key_func=submitted_account,
    methods=["POST"],
    scope="reset-account",
)
