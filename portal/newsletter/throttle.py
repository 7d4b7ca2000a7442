"""Rate limits of the subscribe form (Flask-Limiter, Redis-backed when ``REDIS_URL`` is set).

Per client IP and per submitted address, like the account forms (``portal/auth/throttle.py``):
neither many addresses from one IP nor one address from many IPs gets unlimited
confirmation emails. Settings: ``SUBSCRIBE_LIMIT_PER_IP``, ``SUBSCRIBE_LIMIT_PER_ADDRESS``.
"""

from __future__ import annotations

from flask import current_app, request

from portal.core.text import normalise_email
from portal.extensions import limiter


def submitted_address() -> str:
    return "newsletter:" + (normalise_email(request.form.get("email")) or "")


subscribe_per_ip = limiter.limit(
    lambda: current_app.config["SUBSCRIBE_LIMIT_PER_IP"], methods=["POST"]
)
subscribe_per_address = limiter.limit(
    lambda: current_app.config["SUBSCRIBE_LIMIT_PER_ADDRESS"],
    key_func=submitted_address,
    methods=["POST"],
    scope="newsletter-address",
)
