"""Home page, ``/favicon.ico``, ``/healthz`` (liveness) and ``/readyz`` (readiness)."""

from __future__ import annotations

import redis
import sqlalchemy as sa
from flask import abort, current_app, jsonify, make_response, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from portal.core.practice import brand_colours
from portal.extensions import db, limiter
from portal.mail.backlog import outbox_backlog
from portal.main import bp
from portal.main.readiness import record_check
from portal.models.types import utcnow


@bp.route("/")
def index() -> str:
    return render_template("main/index.html")


@bp.route("/brand/<string(length=6):colour>.css")
@limiter.exempt
def brand_css(colour: str) -> ResponseReturnValue:
    """The practice's brand colour as a stylesheet (the CSP allows no inline style).

    The colour is in the address, so the answer depends on nothing else and is cached for a
    year; choosing another colour links another address.
    """
    if not all(c in "0123456789abcdef" for c in colour):
        abort(404)
    response = make_response(render_template("main/brand.css", **brand_colours(f"#{colour}")))
    response.mimetype = "text/css"
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    return response


@bp.route("/favicon.ico")
@limiter.exempt
def favicon() -> ResponseReturnValue:
    """The icon at the address browsers and feed readers ask for without reading the page.

    Served as ordinary bytes by the static files' service (no open file left to a client
    that never reads the body); browsers keep it a week.
    """
    response = current_app.extensions["static_files"].serve("favicon.ico")
    response.cache_control.no_cache = None
    response.cache_control.max_age = 7 * 24 * 3600
    return response


@bp.route("/healthz")
@limiter.exempt
def healthz() -> ResponseReturnValue:
    """200 when the database answers a query, 503 otherwise (for load balancers)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.warning("health check: database unavailable: %s", exc)
        return jsonify(status="unavailable", database="error"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/readyz")
@limiter.exempt
def readyz() -> ResponseReturnValue:
    """Ready to serve: the database answers and commits a write (503 otherwise).

    Redis, when configured, is reported but makes the answer "degraded" (200), not 503: every
    web host shares it, so failing them all at once would leave a load balancer nothing to
    send to, while pages keep working (rate limits fail open, mail waits in the outbox). The
    outbox backlog is reported for monitoring (``due``, ``oldest_due_seconds``) but never
    makes the check fail: a slow SMTP server must not take the web processes out of the
    load balancer.
    """
    checks: dict[str, object] = {}
    ready = True
    try:
        with db.engine.connect() as conn:
            checks["outbox"] = outbox_backlog(conn, now=utcnow()).as_dict()
            conn.rollback()
            record_check(conn)  # a database that reads but cannot write is not ready
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        current_app.logger.warning("readiness: database unavailable: %s", exc)
        checks["database"] = "error"
        ready = False
    degraded = False
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = "ok" if redis_answers(current_app.config["REDIS_URL"]) else "error"
        degraded = checks["redis"] != "ok"
    status = "unavailable" if not ready else "degraded" if degraded else "ok"
    return jsonify(status=status, **checks), 200 if ready else 503


def redis_answers(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        return bool(client.ping())
    except redis.RedisError as exc:
        current_app.logger.warning("readiness: Redis unavailable: %s", exc)
        return False
