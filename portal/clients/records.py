"""Changing a client's records: sessions and recommendations.

Functions here change objects and write the audit entry in the same transaction; the view
commits once, after everything has been validated, so nothing is ever half-saved.
"""

from __future__ import annotations

from typing import Any

from portal.core import audit
from portal.core.audit import AuditAction, AuditTarget
from portal.extensions import db
from portal.models import MassageSession, Recommendation, User
from portal.models.types import utcnow

# Form fields copied onto a session as they are (areas are rows of their own).
SESSION_FIELDS = (
    "therapist_id",
    "held_on",
    "starts_at",
    "duration_minutes",
    "modality",
    "pressure",
    "soreness_before",
    "soreness_after",
    "client_notes",
    "private_notes",
)
RECOMMENDATION_FIELDS = (
    "title",
    "details",
    "frequency",
    "due_on",
    "link_url",
    "article_slug",
    "session_id",
)


def _apply(target: object, values: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    """Copy ``fields`` from ``values`` onto ``target``; return the names that changed."""
    changed = []
    for name in fields:
        if name in values and getattr(target, name) != values[name]:
            setattr(target, name, values[name])
            changed.append(name)
    return changed


def record_session(client: User, values: dict[str, Any]) -> MassageSession:
    """Add a session to ``client``'s record (values come from a validated form)."""
    session = MassageSession(client_id=client.id, areas=[])
    _apply(session, values, SESSION_FIELDS)
    session.set_areas(values.get("areas", []))
    db.session.add(session)
    db.session.flush()
    audit.record(
        AuditAction.SESSION_CREATE,
        subject_user_id=client.id,
        target_type=AuditTarget.SESSION,
        target_id=session.id,
        detail=f"held on {session.held_on}",
    )
    return session


def update_session(session: MassageSession, values: dict[str, Any]) -> list[str]:
    """Change a session; the audit entry names the fields that changed (not their text)."""
    old_areas = session.area_keys
    changed = _apply(session, values, SESSION_FIELDS)
    if "areas" in values and sorted(values["areas"]) != sorted(old_areas):
        session.set_areas(values["areas"])
        changed.append("areas")
    if changed:
        audit.record(
            AuditAction.SESSION_UPDATE,
            subject_user_id=session.client_id,
            target_type=AuditTarget.SESSION,
            target_id=session.id,
            detail="changed: " + ", ".join(changed),
        )
    return changed


def delete_session(session: MassageSession) -> None:
    audit.record(
        AuditAction.SESSION_DELETE,
        subject_user_id=session.client_id,
        target_type=AuditTarget.SESSION,
        target_id=session.id,
        detail=f"held on {session.held_on}, {session.modality_label}, "
        f"{session.duration_minutes} minutes",
    )
    db.session.delete(session)


def save_recommendation(
    recommendation: Recommendation, values: dict[str, Any], *, author: User | None = None
) -> list[str]:
    """Create (when new) or change a recommendation, with its audit entry."""
    is_new = recommendation.id is None
    changed = _apply(recommendation, values, RECOMMENDATION_FIELDS)
    if is_new:
        recommendation.created_by_id = author.id if author else None
        db.session.add(recommendation)
        db.session.flush()
    if is_new or changed:
        audit.record(
            AuditAction.RECOMMENDATION_CREATE if is_new else AuditAction.RECOMMENDATION_UPDATE,
            subject_user_id=recommendation.client_id,
            target_type=AuditTarget.RECOMMENDATION,
            target_id=recommendation.id,
            detail=None if is_new else "changed: " + ", ".join(changed),
        )
    return changed


def mark_done(recommendation: Recommendation) -> None:
    if recommendation.done_at is None:
        recommendation.done_at = utcnow()


def mark_not_done(recommendation: Recommendation) -> None:
    recommendation.done_at = None
