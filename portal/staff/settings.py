"""Practice settings (admins only): the practice's details shown to clients and in emails."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import admin_required
from portal.core import practice
from portal.extensions import db
from portal.staff import bp
from portal.staff.forms import PracticeSettingsForm


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def practice_settings() -> str | Response | tuple[str, int]:
    details = practice.current()
    form = PracticeSettingsForm(data={name: getattr(details, name) for name in practice.EDITABLE})
    if form.validate_on_submit():
        changed = practice.save(form.values(), by=current_user)
        db.session.commit()
        flash("Practice settings saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("staff.practice_settings"))
    status = 422 if form.errors else 200
    return render_template("staff/settings.html", form=form, details=details), status
