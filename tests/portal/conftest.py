"""Fixtures for the client portal: two clients, a therapist, and quick ways to give a
client sessions and recommendations without going through the back office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from flask import Flask

from portal.clients.guidance import install_default_rules
from portal.extensions import db
from portal.models import MassageSession, Recommendation, TrainingProfile
from portal.models.types import utcnow

# A string that only ever appears in private notes: no client page may contain it.
PRIVATE = "PRIVATE-NOTE-7f3a: left knee history, do not share"


@dataclass
class Records:
    app: Flask

    def session(
        self,
        client_id: int,
        *,
        therapist_id: int | None = None,
        held_on: date | None = None,
        days_ago: int = 7,
        areas: tuple[str, ...] = ("calves", "hamstrings"),
        modality: str = "sports",
        before: int = 6,
        after: int = 3,
        client_notes: str = "Calves were tight; keep up the easy runs.",
        private_notes: str = PRIVATE,
        starts_at: time | None = time(18, 30),
    ) -> int:
        with self.app.app_context():
            session = MassageSession(
                client_id=client_id,
                therapist_id=therapist_id,
                held_on=held_on or date.today() - timedelta(days=days_ago),
                starts_at=starts_at,
                duration_minutes=60,
                modality=modality,
                pressure="firm",
                soreness_before=before,
                soreness_after=after,
                client_notes=client_notes,
                private_notes=private_notes,
                areas=[],
            )
            session.set_areas(list(areas))
            db.session.add(session)
            db.session.commit()
            return session.id

    def sessions(self, client_id: int, count: int, therapist_id: int | None = None) -> None:
        """``count`` sessions, one every 3 days going back from yesterday, in one commit."""
        with self.app.app_context():
            for n in range(count):
                session = MassageSession(
                    client_id=client_id,
                    therapist_id=therapist_id,
                    held_on=date.today() - timedelta(days=1 + 3 * n),
                    duration_minutes=45,
                    modality=("sports", "deep_tissue", "recovery_flush")[n % 3],
                    soreness_before=n % 11,
                    soreness_after=(n // 2) % 11,
                    client_notes=f"Session {n}",
                    private_notes=PRIVATE,
                    areas=[],
                )
                session.set_areas([("calves", "quads", "glutes", "feet")[n % 4], "hamstrings"])
                db.session.add(session)
            db.session.commit()

    def recommendation(
        self,
        client_id: int,
        *,
        session_id: int | None = None,
        title: str = "Calves with a roller stick",
        due_in: int | None = 10,
        done: bool = False,
        **values: object,
    ) -> int:
        with self.app.app_context():
            recommendation = Recommendation(
                client_id=client_id,
                session_id=session_id,
                title=title,
                frequency=values.pop("frequency", "5 minutes a day"),
                due_on=date.today() + timedelta(days=due_in) if due_in is not None else None,
                done_at=utcnow() if done else None,
                **values,
            )
            db.session.add(recommendation)
            db.session.commit()
            return recommendation.id

    def race(self, client_id: int, *, in_days: int = 42, name: str = "Riverside Marathon") -> None:
        with self.app.app_context():
            db.session.merge(
                TrainingProfile(
                    user_id=client_id,
                    goal_race_name=name,
                    goal_race_on=date.today() + timedelta(days=in_days),
                    weekly_distance=55,
                    distance_unit="km",
                )
            )
            db.session.commit()

    def default_rules(self) -> None:
        with self.app.app_context():
            install_default_rules()
            db.session.commit()


@pytest.fixture
def records(app: Flask) -> Records:
    return Records(app)


@pytest.fixture
def therapist(make_user) -> int:
    return make_user("theo@example.com", role="staff", name="Theo Therapist")
