"""The back office's front page."""

from __future__ import annotations

from flask import render_template

from portal.extensions import db
from portal.mail.backlog import outbox_backlog
from portal.models.types import utcnow
from portal.staff import bp


@bp.route("/")
def index() -> str:
    with db.engine.connect() as conn:
        backlog = outbox_backlog(conn, now=utcnow())
    return render_template("staff/index.html", backlog=backlog)
