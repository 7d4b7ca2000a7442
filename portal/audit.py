"""Writing to the audit log. Call ``record`` in the same transaction as the change."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.models.audit import AuditEntry


def record(
    action: str,
    *,
    subject_user_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Add an audit entry for the signed-in person's ``action`` (committed with the caller)."""
    actor = current_user if has_request_context() and current_user.is_authenticated else None
    entry = AuditEntry(
        actor_user_id=actor.id if actor else None,
        actor_email=actor.email if actor else None,
        subject_user_id=subject_user_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=(detail or None) and detail[:500],
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
