"""Staff accounts (admins only): invite therapists and admins, switch accounts off and on."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.invitations import EmailTaken, invite_user
from portal.auth.permissions import admin_required
from portal.core import audit
from portal.core.audit import AuditAction, AuditTarget
from portal.extensions import db
from portal.models import Role, User
from portal.staff import bp
from portal.staff.forms import InviteStaffForm


def staff_members() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role.in_([Role.STAFF.value, Role.ADMIN.value]))
            .order_by(User.name)
        )
    )


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def accounts() -> str | Response | tuple[str, int]:
    form = InviteStaffForm()
    if form.validate_on_submit():
        try:
            user = invite_user(
                email=form.email.data, name=form.name.data, role=Role(form.role.data)
            )
        except EmailTaken:
            form.email.errors.append("An account with this email already exists.")
        else:
            audit.record(
                AuditAction.STAFF_INVITE,
                subject_user_id=user.id,
                target_type=AuditTarget.USER,
                target_id=user.id,
                detail=user.role,
            )
            db.session.commit()
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("staff.accounts"))
    status = 422 if form.errors else 200
    return render_template("staff/accounts.html", form=form, members=staff_members()), status


@bp.post("/accounts/<int:user_id>/active")
@admin_required
def toggle_account(user_id: int) -> Response:
    """Switch a staff account off (it is signed out everywhere) or back on."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    if user.id == current_user.id:
        flash("You cannot switch off your own account.", "error")
        return redirect(url_for("staff.accounts"))
    if user.is_deleted:
        # Its owner closed it and it is anonymised: there is no one to switch it on for.
        flash("This account was deleted, so it cannot be switched on again.", "error")
        return redirect(url_for("staff.accounts"))
    user.is_active_account = not user.is_active_account
    user.revoke_sessions()
    audit.record(
        AuditAction.STAFF_ENABLE if user.is_active_account else AuditAction.STAFF_DISABLE,
        subject_user_id=user.id,
        target_type=AuditTarget.USER,
        target_id=user.id,
    )
    db.session.commit()
    flash(f"{user.name} is {'active' if user.is_active_account else 'switched off'}.", "info")
    return redirect(url_for("staff.accounts"))
