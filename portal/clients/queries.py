"""Reading a client's records. Every function here is scoped to one client.

Views never build their own queries on sessions or recommendations: they call these, so
"a client sees only their own records" is enforced in one place, like flaskr's ``get_post``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy.pagination import Pagination

from portal.extensions import db
from portal.models import (
    MassageSession,
    Recommendation,
    Role,
    SessionArea,
    TrainingProfile,
    User,
)

HISTORY_PER_PAGE = 20

# What every list of sessions shows: the therapist (joined into the same query) and the
# areas worked (one more query, whatever the number of sessions).
SESSION_ROW = (
    so.joinedload(MassageSession.therapist),
    so.selectinload(MassageSession.areas),
)


def get_session_for_client(
    session_id: int, client_id: int, *, with_private_notes: bool = False
) -> MassageSession:
    """Session ``session_id`` if it belongs to client ``client_id``, else 404.

    Someone else's session is a 404 rather than a 403, so its existence is not revealed.
    Its recommendations, therapist and areas come loaded. ``with_private_notes`` is for
    staff pages only.
    """
    query = (
        sa.select(MassageSession)
        .where(MassageSession.id == session_id, MassageSession.client_id == client_id)
        .options(*SESSION_ROW, so.selectinload(MassageSession.recommendations))
    )
    if with_private_notes:
        query = query.options(so.undefer(MassageSession.private_notes))
    return db.one_or_404(query)


def get_recommendation_for_client(recommendation_id: int, client_id: int) -> Recommendation:
    """Recommendation ``recommendation_id`` if it belongs to client ``client_id``, else 404."""
    return db.one_or_404(
        sa.select(Recommendation)
        .where(Recommendation.id == recommendation_id, Recommendation.client_id == client_id)
        .options(so.selectinload(Recommendation.session))
    )


def get_client_or_404(client_id: int) -> User:
    """A client account (staff pages): staff and admin accounts are not clients, so 404."""
    return db.one_or_404(sa.select(User).where(User.id == client_id, User.role == Role.CLIENT))


def session_history(
    client_id: int,
    *,
    year: int | None = None,
    therapist_id: int | None = None,
    page: int = 1,
    per_page: int = HISTORY_PER_PAGE,
) -> Pagination:
    """The client's sessions, newest first, optionally of one year and one therapist."""
    query = sa.select(MassageSession).where(MassageSession.client_id == client_id)
    if year is not None:
        query = query.where(
            MassageSession.held_on >= date(year, 1, 1), MassageSession.held_on <= date(year, 12, 31)
        )
    if therapist_id is not None:
        query = query.where(MassageSession.therapist_id == therapist_id)
    query = query.order_by(MassageSession.held_on.desc(), MassageSession.id.desc()).options(
        *SESSION_ROW
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


@dataclass(frozen=True)
class HistoryChoices:
    years: list[int]
    therapists: list[tuple[int, str]]


def history_choices(client_id: int) -> HistoryChoices:
    """The years and therapists that appear in the client's history, for the filters.

    One query: the distinct (date's year, therapist) pairs would need a year function per
    backend, so this fetches the distinct (date, therapist) pairs instead, few per client.
    """
    rows = db.session.execute(
        sa.select(MassageSession.held_on, User.id, User.name)
        .outerjoin(User, User.id == MassageSession.therapist_id)
        .where(MassageSession.client_id == client_id)
        .distinct()
    ).all()
    years = sorted({held_on.year for held_on, _, _ in rows}, reverse=True)
    therapists = sorted(
        {(tid, name) for _, tid, name in rows if tid is not None}, key=lambda t: t[1]
    )
    return HistoryChoices(years=years, therapists=therapists)


def last_session(client_id: int) -> MassageSession | None:
    return db.session.scalar(
        sa.select(MassageSession)
        .where(MassageSession.client_id == client_id)
        .order_by(MassageSession.held_on.desc(), MassageSession.id.desc())
        .limit(1)
        .options(*SESSION_ROW)
    )


def sessions_on(client_id: int, day: date) -> list[MassageSession]:
    """The client's sessions held on ``day`` (a second one that day may be a duplicate)."""
    return list(
        db.session.scalars(
            sa.select(MassageSession)
            .where(MassageSession.client_id == client_id, MassageSession.held_on == day)
            .order_by(MassageSession.id)
        )
    )


def session_count(client_id: int) -> int:
    return (
        db.session.scalar(sa.select(sa.func.count()).where(MassageSession.client_id == client_id))
        or 0
    )


def active_recommendations(client_id: int) -> list[Recommendation]:
    """Not yet done, due soonest first and undated last (the dashboard's list)."""
    return list(
        db.session.scalars(
            sa.select(Recommendation)
            .where(Recommendation.client_id == client_id, Recommendation.done_at.is_(None))
            .order_by(Recommendation.due_on.asc().nulls_last(), Recommendation.id)
        )
    )


def recommendations_by_state(client_id: int) -> tuple[list[Recommendation], list[Recommendation]]:
    """(active, done) with the session each was given in, in one query.

    Active ones as ``active_recommendations`` orders them; done ones latest first.
    """
    everything = db.session.scalars(
        sa.select(Recommendation)
        .where(Recommendation.client_id == client_id)
        .options(so.selectinload(Recommendation.session))
    ).all()
    active = sorted(
        (r for r in everything if r.done_at is None),
        key=lambda r: (r.due_on is None, r.due_on or date.min, r.id),
    )
    done = sorted(
        (r for r in everything if r.done_at is not None),
        key=lambda r: (r.done_at, r.id),
        reverse=True,
    )
    return active, done


def training_profile(client_id: int) -> TrainingProfile | None:
    return db.session.get(TrainingProfile, client_id)


@dataclass(frozen=True)
class SorenessPoint:
    held_on: date
    before: int
    after: int


def soreness_series(client_id: int, limit: int = 30) -> list[SorenessPoint]:
    """Soreness before and after, oldest first, for the client's last ``limit`` sessions."""
    rows = db.session.execute(
        sa.select(
            MassageSession.held_on, MassageSession.soreness_before, MassageSession.soreness_after
        )
        .where(MassageSession.client_id == client_id)
        .order_by(MassageSession.held_on.desc(), MassageSession.id.desc())
        .limit(limit)
    ).all()
    return [SorenessPoint(*row) for row in reversed(rows)]


def area_counts(client_id: int) -> dict[str, int]:
    """How many of the client's sessions worked each body area."""
    rows = db.session.execute(
        sa.select(SessionArea.area, sa.func.count())
        .join(MassageSession, MassageSession.id == SessionArea.session_id)
        .where(MassageSession.client_id == client_id)
        .group_by(SessionArea.area)
    ).all()
    return {area: count for area, count in rows}
