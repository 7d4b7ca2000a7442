"""The back office's front page."""

from __future__ import annotations

from flask import render_template

from portal.staff import bp


@bp.route("/")
def index() -> str:
    return render_template("staff/index.html")
