"""The audit log in words: names, what was done, the record with a link, local times.

Issue 8, item 11: it used to show ``client.view``, ``user #1``, ``massage_session #26`` and
ISO UTC times, with actions spelt three ways.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.core import audit
from portal.core.audit import AuditAction, AuditTarget
from portal.extensions import db
from portal.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def theo(auth, make_user) -> int:
    theo_id = make_user("theo@example.com", role="staff", name="Theo Therapist")
    auth.login("theo@example.com")
    return theo_id


@pytest.fixture
def rosa(make_user) -> int:
    return make_user("rosa@example.com", name="Rosa Runner")


def _page(client, path: str = "/staff/audit") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_entries_read_as_sentences_with_names_and_links(client, theo, rosa, records):
    session_id = records.session(rosa, therapist_id=theo)
    rec_id = records.recommendation(rosa, title="Calves with a roller stick", session_id=session_id)
    client.get(f"/staff/clients/{rosa}")
    client.get(f"/staff/clients/{rosa}/sessions/{session_id}")
    client.post(
        f"/staff/clients/{rosa}/recommendations/{rec_id}",
        data={"title": "Calves with a stick", "session_id": "0"},
    )

    page = _page(client)
    assert "Theo Therapist" in page
    assert "Opened a client&#39;s record" in page
    assert "Opened a session, private notes included" in page
    assert "Changed a recommendation" in page
    assert f'href="/staff/audit?client={rosa}">Rosa Runner</a>' in page
    assert f'href="/staff/clients/{rosa}">Rosa Runner&#39;s record</a>' in page
    assert f'href="/staff/clients/{rosa}/sessions/{session_id}">Session of ' in page
    assert (
        f'href="/staff/clients/{rosa}/recommendations/{rec_id}">'
        "Recommendation “Calves with a stick”</a>" in page
    )
    for raw in ("client.view", "session.view", "massage_session #", "user #", "(UTC)"):
        assert raw not in page


def test_a_record_that_no_longer_exists_is_named_without_a_link(client, theo, rosa, records):
    session_id = records.session(rosa, therapist_id=theo)
    client.post(f"/staff/clients/{rosa}/sessions/{session_id}/delete")
    page = _page(client)
    assert "Deleted a session" in page
    assert f"Session #{session_id} (no longer exists)" in page
    assert f'/sessions/{session_id}"' not in page


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 7, 1, 12, 5, tzinfo=UTC), "Wed 1 Jul 2026, 13:05"),  # BST
        (datetime(2026, 1, 9, 23, 30, tzinfo=UTC), "Fri 9 Jan 2026, 23:30"),  # GMT
    ],
)
def test_times_are_the_practices_local_time(app, client, theo, moment, shown):
    with app.app_context():
        db.session.add(AuditEntry(created_at=moment, actor_user_id=theo, action="client.view"))
        db.session.commit()
    page = _page(client)
    assert f'<time datetime="{moment.isoformat()}">{shown}</time>' in page


@pytest.mark.config(PRACTICE_TIMEZONE="America/New_York")
def test_the_time_zone_is_a_setting(app, client, theo):
    moment = datetime(2026, 7, 1, 12, 5, tzinfo=UTC)
    with app.app_context():
        db.session.add(AuditEntry(created_at=moment, actor_user_id=theo, action="client.view"))
        db.session.commit()
    assert "Wed 1 Jul 2026, 08:05" in _page(client)


def test_an_unknown_time_zone_refuses_to_start(monkeypatch):
    from config import ConfigurationError, DevelopmentConfig

    monkeypatch.setenv("PRACTICE_TIMEZONE", "Mars/Olympus_Mons")
    with pytest.raises(ConfigurationError, match="PRACTICE_TIMEZONE"):
        DevelopmentConfig()


def test_the_page_costs_the_same_for_a_few_entries_and_a_full_page(
    app, client, theo, make_user, records, count_queries
):
    def add_entries(how_many: int) -> None:
        with app.test_request_context():
            for n in range(how_many):
                person = make_user(f"c{n}-{how_many}@example.com", name=f"Client {n}")
                session_id = records.session(person)
                rec_id = records.recommendation(person, title=f"Drill {n}")
                audit.record(
                    AuditAction.CLIENT_VIEW,
                    subject_user_id=person,
                    target_type=AuditTarget.USER,
                    target_id=person,
                )
                audit.record(
                    AuditAction.SESSION_VIEW,
                    subject_user_id=person,
                    target_type=AuditTarget.SESSION,
                    target_id=session_id,
                )
                audit.record(
                    AuditAction.RECOMMENDATION_UPDATE,
                    subject_user_id=person,
                    target_type=AuditTarget.RECOMMENDATION,
                    target_id=rec_id,
                )
            db.session.commit()

    def measure() -> int:
        client.get("/staff/audit")
        with count_queries() as log:
            assert client.get("/staff/audit").status_code == 200
        return log.count

    add_entries(1)
    few = measure()
    add_entries(20)  # 63 entries: a full page of 50
    assert measure() == few


def test_record_refuses_an_action_outside_the_vocabulary(app):
    with app.test_request_context(), pytest.raises(ValueError):
        audit.record("view client")  # type: ignore[arg-type]


def test_every_action_has_a_code_and_words():
    for action in AuditAction:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", action.value), action
        assert action.label and action.label[0].islower(), action


def test_every_caller_names_its_action_from_the_vocabulary():
    """No ``audit.record("…")`` with a string of its own anywhere in the application."""
    literal = re.compile(r"audit\.record\(\s*[\"']")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "portal").rglob("*.py")
        if literal.search(path.read_text())
    ]
    assert offenders == []


def test_staff_see_the_log_of_one_client(client, theo, rosa, make_user):
    other = make_user("tomas@example.com", name="Tomás Trail")
    client.get(f"/staff/clients/{rosa}")
    client.get(f"/staff/clients/{other}")
    page = _page(client, f"/staff/audit?client={rosa}")
    assert "Rosa Runner" in page and "Tomás Trail" not in page


def test_old_entries_without_a_known_code_still_show(app, client, theo):
    with app.app_context():
        db.session.execute(
            sa.insert(AuditEntry).values(created_at=datetime.now(UTC), action="legacy thing")
        )
        db.session.commit()
    assert "legacy thing" in _page(client)
