"""Home page and ``/healthz``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db, limiter
from portal.main import bp


@bp.route("/")
def index() -> str:
    return render_template("main/index.html")


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
