"""The demo is the practice the site is for (issue 19, item 15): Massage Works in Los Gatos,
California, with ordinary names, sessions on days it is open, races on weekends, comments
that differ from each other and newsletter words that fit any season."""

from __future__ import annotations

import sqlalchemy as sa

from portal.core import practice
from portal.demo import seed_all
from portal.demo.users import DEMO_LOGINS
from portal.extensions import db
from portal.models import Campaign, Comment, MassageSession, Subscriber, TrainingProfile, User

SEASONS = ("spring", "summer", "autumn", "fall ", "winter")


def test_the_demo_practice_is_in_los_gatos_with_a_logo_and_ordinary_names(app, client):
    with app.app_context():
        seed_all()
        seed_all()  # idempotent
        details = practice.current()
        assert details.name == "Massage Works"
        assert "Los Gatos, CA 95030" in details.address and details.phone == "(408) 555-0142"
        assert details.locale == "en_US" and details.time_zone == "America/Los_Angeles"
        assert details.logo_filename and details.brand_colour
        names = set(db.session.scalars(sa.select(User.name)))
    assert {name for _email, _password, _role, name in DEMO_LOGINS} <= names
    for odd in ("Runner", "Trail", "Therapist", "Admin", "Reader"):
        assert not any(name.endswith(f" {odd}") for name in names), names
    home = client.get("/").get_data(as_text=True)
    assert "Los Gatos" in home and 'class="brand-logo"' in home


def test_sessions_fall_on_open_days_and_hours_and_races_on_weekends(app):
    with app.app_context():
        seed_all()
        sessions = db.session.scalars(sa.select(MassageSession)).all()
        assert sessions
        for session in sessions:
            weekday = session.held_on.weekday()
            assert weekday != 6, session.held_on  # closed on Sundays
            start = session.starts_at.hour * 60 + session.starts_at.minute
            end = start + session.duration_minutes
            closing = 13 * 60 if weekday == 5 else 19 * 60
            opening = 8 * 60 if weekday == 5 else 7 * 60
            assert opening <= start and end <= closing, (session.held_on, session.starts_at)
        races = [p.goal_race_on for p in db.session.scalars(sa.select(TrainingProfile))]
        races += [s.race_on for s in db.session.scalars(sa.select(Subscriber)) if s.race_on]
        assert races and all(day.weekday() in (5, 6) for day in races)


def test_demo_comments_differ_and_campaigns_name_no_season(app):
    with app.app_context():
        seed_all()
        bodies = db.session.scalars(sa.select(Comment.body_source)).all()
        assert len(bodies) >= 200
        assert len(set(bodies)) == len(bodies)
        subjects = db.session.scalars(sa.select(Campaign.subject)).all()
        texts = db.session.scalars(sa.select(Campaign.body_markdown)).all()
        for text in [*subjects, *texts]:
            assert not any(season in text.lower() for season in SEASONS), text
