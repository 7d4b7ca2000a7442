"""Rate limits for the account forms (Flask-Limiter; Redis-backed when ``REDIS_URL`` is set).

Limits are settings so a deployment can tune them. Each form is limited per client IP and
per target account (the submitted email), so neither many addresses from one IP nor one
address from many IPs gets unlimited attempts.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, request

from portal.extensions import limiter


def submitted_account() -> str:
    """The rate-limit key of the account a form is about: its normalised email."""
    return "account:" + (request.form.get("email") or "").strip().lower()


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def login_failed(response: Response) -> bool:
    # A successful sign-in redirects; only failures count against the account.
    return response.status_code != 302


login_per_ip = limiter.limit(_setting("LOGIN_LIMIT_PER_IP"), methods=["POST"])
login_per_account = limiter.limit(
    _setting("LOGIN_FAILURES_PER_ACCOUNT"),
    key_func=submitted_account,
    methods=["POST"],
    deduct_when=login_failed,
    scope="login-account",
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
