"""The client portal's part of "download my data" and of account deletion.

Sessions and recommendations are exported as the client sees them: the therapist's private
notes are working notes of the practice and stay out, as they stay out of every client page.
On deletion the training profile and the calendar feed go (they are the person's own data);
session records stay, as treatment records the practice must keep (see README).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.auth.signals import account_deleted, personal_data
from portal.extensions import db
from portal.models import User
from portal.models.recommendations import Recommendation
from portal.models.sessions import MassageSession
from portal.models.training import CalendarFeed, TrainingProfile


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@personal_data.connect
def export_portal_data(user: User) -> tuple[str, dict[str, Any]] | None:
    if not user.is_client:
        return None
    sessions = db.session.scalars(
        sa.select(MassageSession)
        .where(MassageSession.client_id == user.id)
        .order_by(MassageSession.held_on, MassageSession.id)
        .options(so.selectinload(MassageSession.areas), so.selectinload(MassageSession.therapist))
    ).all()
    recommendations = db.session.scalars(
        sa.select(Recommendation)
        .where(Recommendation.client_id == user.id)
        .order_by(Recommendation.id)
    ).all()
    profile = db.session.get(TrainingProfile, user.id)
    return (
        "client_portal",
        {
            "training_profile": profile
            and {
                "goal_race_name": profile.goal_race_name,
                "goal_race_on": _iso(profile.goal_race_on),
                "weekly_distance": profile.weekly_distance,
                "distance_unit": profile.distance_unit,
            },
            "sessions": [
                {
                    "id": s.id,
                    "held_on": _iso(s.held_on),
                    "starts_at": _iso(s.starts_at),
                    "duration_minutes": s.duration_minutes,
                    "therapist": s.therapist.name if s.therapist else None,
                    "modality": s.modality_label,
                    "pressure": s.pressure_label,
                    "areas": s.area_labels,
                    "soreness_before": s.soreness_before,
                    "soreness_after": s.soreness_after,
                    "notes": s.client_notes,
                }
                for s in sessions
            ],
            "recommendations": [
                {
                    "id": r.id,
                    "session_id": r.session_id,
                    "title": r.title,
                    "details": r.details,
                    "frequency": r.frequency,
                    "due_on": _iso(r.due_on),
                    "link_url": r.link_url,
                    "article_slug": r.article_slug,
                    "done_at": _iso(r.done_at),
                }
                for r in recommendations
            ],
        },
    )


@account_deleted.connect
def forget_portal_data(user: User) -> None:
    db.session.execute(sa.delete(TrainingProfile).where(TrainingProfile.user_id == user.id))
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
