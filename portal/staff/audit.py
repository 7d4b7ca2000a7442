"""The audit log, read-only: who viewed or changed which client's records."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from portal.extensions import db
from portal.models import AuditEntry, User
from portal.pagination import id_arg, paginate
from portal.staff import bp


@bp.route("/audit")
def audit_log() -> str:
    """Newest first; ``?client=<id>`` narrows it to one client's records."""
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    client_id = id_arg("client")
    if client_id is not None:
        query = query.where(AuditEntry.subject_user_id == client_id)
    page = paginate(query, per_page=50)
    subject_ids = {entry.subject_user_id for entry in page.items if entry.subject_user_id}
    subjects = (
        dict(
            db.session.execute(sa.select(User.id, User.name).where(User.id.in_(subject_ids))).all()
        )
        if subject_ids
        else {}
    )
    return render_template(
        "staff/audit_log.html", page=page, subjects=subjects, client_id=client_id
    )
