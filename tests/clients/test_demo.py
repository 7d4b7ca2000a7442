"""Demo client records: a season each for the two demo runners, seeded idempotently."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEntry,
    BookingRule,
    MassageSession,
    Recommendation,
    SessionArea,
    TrainingProfile,
    User,
)

TABLES = (BookingRule, MassageSession, Recommendation, SessionArea, TrainingProfile, User)


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in TABLES
        }


def test_seed_demo_gives_each_runner_a_season_and_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "sessions and" in first.output
    after_first = _counts(app)

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts(app) == after_first

    with app.app_context():
        for email in ("runner@example.com", "trail@example.com"):
            client = db.session.scalar(sa.select(User).where(User.email == email))
            sessions = db.session.scalars(
                sa.select(MassageSession).where(MassageSession.client_id == client.id)
            ).all()
            assert len(sessions) >= 8
            assert len({s.modality for s in sessions}) >= 4
            assert max(s.held_on for s in sessions) <= date.today()
            assert min(s.held_on for s in sessions) <= date.today() - timedelta(days=100)
            recs = db.session.scalars(
                sa.select(Recommendation).where(Recommendation.client_id == client.id)
            ).all()
            assert any(r.done_at for r in recs) and any(r.done_at is None for r in recs)

        rosa = db.session.scalar(sa.select(User).where(User.email == "runner@example.com"))
        profile = db.session.get(TrainingProfile, rosa.id)
        race_in = (profile.goal_race_on - date.today()).days
        assert 42 <= race_in < 49 and profile.goal_race_on.weekday() == 6  # a Sunday
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_the_demo_runner_sees_a_season_on_her_dashboard(app, runner, client, auth):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert auth.login("runner@example.com", "runner-demo-pass").status_code == 302
    page = client.get("/portal/").get_data(as_text=True)
    assert "Santa Cruz Mountains Marathon" in page and "days to go" in page
    assert "While you build mileage" in page and "Calves with a roller stick" in page
    history = client.get("/portal/sessions").get_data(as_text=True)
    assert "Inés Ortega" in history and "Theo Marsh" in history
