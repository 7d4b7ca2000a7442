"""``flask create-user`` and ``flask seed-demo``."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.passwords import verify_password
from portal.extensions import db
from portal.models import User
from tests.conftest import sign_in


def _users(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(u.email, u.role) for u in db.session.scalars(sa.select(User).order_by(User.email))]


def test_create_user_makes_a_confirmed_account(app, runner):
    result = runner.invoke(
        args=["create-user", " Therapist2@Example.com ", "--role", "staff"],
        input="a-long-unusual-passphrase\na-long-unusual-passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "created staff therapist2@example.com" in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "therapist2@example.com"))
        assert user.role == "staff"
        assert user.email_confirmed_at is not None
        assert verify_password(user.password_hash, "a-long-unusual-passphrase")


def test_create_user_refuses_a_duplicate_email(app, runner, make_user):
    make_user("taken@example.com")
    result = runner.invoke(
        args=["create-user", "TAKEN@example.com", "--password", "another-long-passphrase"]
    )
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_create_user_refuses_a_weak_password(app, runner):
    result = runner.invoke(args=["create-user", "weak@example.com", "--password", "password123"])
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert _users(app) == []


def test_create_user_refuses_an_unknown_role(app, runner):
    result = runner.invoke(
        args=["create-user", "x@example.com", "--role", "owner", "--password", "p" * 20]
    )
    assert result.exit_code == 2
    assert _users(app) == []


def test_seed_demo_is_idempotent_and_creates_the_demo_logins(app, runner, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    after_first = _users(app)
    assert ("runner@example.com", "client") in after_first
    assert ("trail@example.com", "client") in after_first
    assert ("therapist@example.com", "staff") in after_first
    assert ("member@example.com", "member") in after_first

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _users(app) == after_first

    response = sign_in(client, "runner@example.com", "runner-demo-pass")
    assert response.status_code == 302


def test_demo_logins_prints_url_and_accounts(runner):
    result = runner.invoke(args=["demo-logins", "--url", "http://127.0.0.1:5000"])
    assert "http://127.0.0.1:5000" in result.output
    assert "therapist@example.com" in result.output
    assert "runner-demo-pass" in result.output


def test_the_demo_has_an_admin_and_practice_settings(app, runner, client):
    """Issue 8, item 10: the admin pages can be tried with the demo data."""
    from portal.models import PracticeSettings

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert ("admin@example.com", "admin") in _users(app)
    with app.app_context():
        settings = db.session.get(PracticeSettings, 1)
        assert settings.phone and settings.opening_hours and settings.booking_email
        settings.phone = "01632 960 999"  # as if an admin had changed it
        db.session.commit()
    again = runner.invoke(args=["seed-demo"])
    assert "practice settings already present" in again.output
    with app.app_context():
        assert db.session.get(PracticeSettings, 1).phone == "01632 960 999"

    assert sign_in(client, "admin@example.com", "admin-demo-pass").status_code == 302
    assert client.get("/staff/settings").status_code == 200
    printed = runner.invoke(args=["demo-logins"]).output
    assert "admin@example.com" in printed and "admin-demo-pass" in printed
