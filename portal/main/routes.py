"""Home page, ``/favicon.ico`` and ``/healthz``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, render_template, send_from_directory
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db, limiter
from portal.main import bp


@bp.route("/")
def index() -> str:
    return render_template("main/index.html")


@bp.route("/favicon.ico")
@limiter.exempt
def favicon():  # type: ignore[no-untyped-def]
    """The icon at the address browsers and feed readers ask for without reading the page."""
    return send_from_directory(
        current_app.static_folder or "static", "favicon.ico", max_age=7 * 24 * 3600
    )


@bp.route("/healthz")
@limiter.exempt
def healthz():  # type: ignore[no-untyped-def]
    """200 when the database answers a query, 503 otherwise (for load balancers)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.warning("health check: database unavailable: %s", exc)
        return jsonify(status="unavailable", database="error"), 503
    return jsonify(status="ok", database="ok")
