"""The back office's side of client records: find, invite, record, correct, recommend."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEntry,
    BookingRule,
    MassageSession,
    OutboxMessage,
    Recommendation,
    SessionArea,
    User,
)
from tests.fixtures.records import PRIVATE


@pytest.fixture
def staff(auth) -> int:
    return auth.login_staff("theo@example.com")


@pytest.fixture
def rosa(make_user) -> int:
    return make_user("rosa@example.com", name="Rosa Runner")


def audit_actions(app, subject: int | None = None) -> list[tuple[str, str | None]]:
    with app.app_context():
        query = sa.select(AuditEntry).order_by(AuditEntry.id)
        if subject is not None:
            query = query.where(AuditEntry.subject_user_id == subject)
        return [(e.action, e.detail) for e in db.session.scalars(query)]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def session_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "held_on": (date.today() - timedelta(days=1)).isoformat(),
        "starts_at": "17:45",
        "duration_minutes": "75",
        "modality": "deep_tissue",
        "pressure": "firm",
        "areas": ["calves", "it_band"],
        "soreness_before": "7",
        "soreness_after": "3",
        "client_notes": "Foam roll the outside of the thigh, gently.",
        "private_notes": "Mentions a sore left knee after hills.",
    }
    form.update(overrides)
    return form


# --- the client list -------------------------------------------------------------------------


def test_client_list_searches_names_and_emails(client, staff, make_user, records):
    rosa = make_user("rosa@example.com", name="Rosa Runner")
    make_user("tomas@trail.example", name="Tomás Trail")
    make_user("percent@example.com", name="100% Effort")
    make_user("other-staff@example.com", role="staff", name="Rosa Staff")
    records.session(rosa, days_ago=3)
    records.session(rosa, days_ago=10)

    page = client.get("/staff/clients").get_data(as_text=True)
    assert "Rosa Runner" in page and "Tomás Trail" in page and "Rosa Staff" not in page

    page = client.get("/staff/clients?q=ROSA").get_data(as_text=True)
    assert "Rosa Runner" in page and "Tomás Trail" not in page
    assert f"/staff/clients/{rosa}" in page
    last = date.today() - timedelta(days=3)
    assert f'<td data-label="Last session">{last:%b} {last.day}, {last:%Y}</td>' in page
    assert '<td data-label="Sessions">2</td>' in page

    page = client.get("/staff/clients?q=trail.example").get_data(as_text=True)
    assert "Tomás Trail" in page and "Rosa Runner" not in page

    page = client.get("/staff/clients?q=%25").get_data(as_text=True)  # a literal "%"
    assert "100% Effort" in page and "Rosa Runner" not in page

    page = client.get("/staff/clients?q=nobody").get_data(as_text=True)
    assert "No client’s name or email contains “nobody”" in page


def test_client_list_is_paginated(client, staff, make_user):
    for n in range(30):
        make_user(f"c{n:02}@example.com", name=f"Client {n:02}")
    first = client.get("/staff/clients").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Client 24" in first and "Client 25" not in first
    second = client.get("/staff/clients?page=2").get_data(as_text=True)
    assert "Client 25" in second and "Client 29" in second


# --- inviting --------------------------------------------------------------------------------


def test_inviting_a_client_creates_them_and_queues_the_email(app, client, staff):
    response = client.post(
        "/staff/clients/invite", data={"name": " Nia Newcomer ", "email": "NIA@example.com"}
    )
    assert response.status_code == 302
    with app.app_context():
        nia = db.session.scalar(sa.select(User).where(User.email == "nia@example.com"))
        assert nia.is_client and nia.name == "Nia Newcomer" and nia.password_hash is None
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.to_address == "nia@example.com" and message.template == "invite"
    assert response.headers["Location"] == f"/staff/clients/{nia.id}"
    assert ("client.invite", None) in audit_actions(app, nia.id)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": "x@example.com"}, "This field is required."),
        ({"name": "X", "email": "not-an-email"}, "Invalid email address."),
        ({"name": "Rosa Again", "email": "rosa@example.com"}, "already an account"),
    ],
)
def test_invitation_problems_are_explained(app, client, staff, rosa, data, message):
    response = client.post("/staff/clients/invite", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    if data["name"]:
        assert f'value="{data["name"]}"' in page
    assert count(app, OutboxMessage) == 0


# --- reading a record ------------------------------------------------------------------------


def test_client_detail_shows_history_and_writes_an_audit_entry(app, client, staff, rosa, records):
    records.session(rosa, areas=("shins",))
    records.recommendation(rosa, title="Walk-run the hills")
    records.recommendation(rosa, title="Done drill", done=True)
    page = client.get(f"/staff/clients/{rosa}").get_data(as_text=True)
    assert "Rosa Runner" in page and "Shins" in page
    assert "Walk-run the hills" in page and "Done drill" in page
    assert audit_actions(app, rosa) == [("client.view", None)]


def test_opening_a_session_shows_private_notes_and_is_audited(app, client, staff, rosa, records):
    session_id = records.session(rosa)
    page = client.get(f"/staff/clients/{rosa}/sessions/{session_id}").get_data(as_text=True)
    assert PRIVATE in page
    assert audit_actions(app, rosa) == [("session.view", None)]


# --- recording a session ---------------------------------------------------------------------


def test_recording_a_session(app, client, staff, rosa):
    response = client.post(
        f"/staff/clients/{rosa}/sessions/new", data=session_form(therapist_id=str(staff))
    )
    assert response.status_code == 302
    with app.app_context():
        session = db.session.scalar(
            sa.select(MassageSession).options(
                sa.orm.selectinload(MassageSession.areas),
                sa.orm.undefer(MassageSession.private_notes),
            )
        )
        assert session.client_id == rosa and session.therapist_id == staff
        assert session.duration_minutes == 75 and session.modality == "deep_tissue"
        assert session.area_keys == ["it_band", "calves"]
        assert (session.soreness_before, session.soreness_after) == (7, 3)
        assert session.private_notes == "Mentions a sore left knee after hills."
        assert session.starts_at.strftime("%H:%M") == "17:45"
    assert audit_actions(app, rosa)[0][0] == "session.create"


def test_the_new_session_form_starts_with_today_and_the_signed_in_therapist(client, staff, rosa):
    page = client.get(f"/staff/clients/{rosa}/sessions/new").get_data(as_text=True)
    assert f'value="{date.today().isoformat()}"' in page
    assert f'<option selected value="{staff}">' in page


FUTURE = (date.today() + timedelta(days=3)).isoformat()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("held_on", FUTURE, "A session can&#39;t be in the future"),
        ("held_on", "", "Enter the session&#39;s date."),
        ("held_on", "2025-02-30", "Not a valid date value."),
        ("soreness_before", "11", "Soreness is a whole number from 0 (none) to 10 (worst)."),
        ("soreness_after", "-1", "Soreness is a whole number from 0 (none) to 10 (worst)."),
        ("soreness_after", "", "Soreness is a whole number from 0 (none) to 10 (worst)."),
        ("soreness_before", "six", "Not a valid integer value."),
        ("duration_minutes", "10", "Enter a duration from 15 to 180 minutes."),
        ("duration_minutes", "181", "Enter a duration from 15 to 180 minutes."),
        ("duration_minutes", "", "Enter a duration from 15 to 180 minutes."),
        ("areas", [], "Tick at least one area worked."),
        ("areas", ["calves", "elbows"], "not a valid choice"),
        ("modality", "hot-stones", "Not a valid choice."),
        ("therapist_id", "999", "Not a valid choice."),
    ],
)
def test_bad_session_input_is_explained_beside_the_field_and_kept(
    app, client, staff, rosa, field, typed, message
):
    response = client.post(
        f"/staff/clients/{rosa}/sessions/new", data=session_form(**{field: typed})
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    errors = page[page.index(f'id="{field}-error"') :]
    assert message in errors[: errors.index("</ul>")]
    assert 'value="Foam roll' not in page  # textareas keep text as content, not value=
    assert "Foam roll the outside of the thigh, gently." in page
    if isinstance(typed, str) and typed and field not in ("modality", "therapist_id"):
        assert f'value="{typed}"' in page  # a select can only offer its own options
    assert count(app, MassageSession) == count(app, SessionArea) == 0
    assert audit_actions(app) == []


# --- correcting and deleting -----------------------------------------------------------------


def test_editing_a_session_records_which_fields_changed(app, client, staff, rosa, records):
    session_id = records.session(rosa, therapist_id=staff, areas=("calves",), before=6, after=3)
    page = client.get(f"/staff/clients/{rosa}/sessions/{session_id}").get_data(as_text=True)
    assert 'value="6"' in page
    assert re.search(
        r'<input checked id="areas-\d+" name="areas" type="checkbox" value="calves">', page
    )
    form = session_form(
        therapist_id=str(staff),
        held_on=(date.today() - timedelta(days=7)).isoformat(),
        starts_at="18:30",
        duration_minutes="60",
        modality="sports",
        pressure="firm",
        soreness_before="6",
        soreness_after="2",
        areas=["calves", "feet"],
        client_notes="Calves were tight; keep up the easy runs.",
        private_notes=PRIVATE,
    )
    response = client.post(f"/staff/clients/{rosa}/sessions/{session_id}", data=form)
    assert response.status_code == 302
    with app.app_context():
        session = db.session.scalar(
            sa.select(MassageSession).options(sa.orm.selectinload(MassageSession.areas))
        )
        assert session.soreness_after == 2 and session.area_keys == ["calves", "feet"]
    assert audit_actions(app, rosa)[-1] == ("session.update", "changed: soreness_after, areas")


def test_deleting_a_session_keeps_its_recommendations(app, client, staff, rosa, records):
    session_id = records.session(rosa)
    rec = records.recommendation(rosa, session_id=session_id)
    confirm = client.get(f"/staff/clients/{rosa}/sessions/{session_id}/delete")
    assert "Its 1 recommendation stay" in confirm.get_data(as_text=True)
    assert count(app, MassageSession) == 1  # the GET only asks

    response = client.post(f"/staff/clients/{rosa}/sessions/{session_id}/delete")
    assert response.status_code == 302
    assert count(app, MassageSession) == count(app, SessionArea) == 0
    with app.app_context():
        assert db.session.get(Recommendation, rec).session_id is None
    action, detail = audit_actions(app, rosa)[-1]
    assert action == "session.delete" and "Sports massage, 60 minutes" in detail


# --- recommendations -------------------------------------------------------------------------


def test_adding_a_recommendation_tied_to_a_session(app, client, staff, rosa, records):
    session_id = records.session(rosa)
    form_page = client.get(f"/staff/clients/{rosa}/recommendations/new?session_id={session_id}")
    assert f'<option selected value="{session_id}">' in form_page.get_data(as_text=True)
    response = client.post(
        f"/staff/clients/{rosa}/recommendations/new",
        data={
            "title": "Calves with a roller stick",
            "frequency": "5 minutes a day",
            "due_on": (date.today() + timedelta(days=14)).isoformat(),
            "details": "Slow strokes towards the knee.",
            "link_url": "https://example.org/roller-stick",
            "session_id": str(session_id),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        rec = db.session.scalar(sa.select(Recommendation))
        assert (rec.client_id, rec.session_id, rec.created_by_id) == (rosa, session_id, staff)
        assert rec.link_url == "https://example.org/roller-stick" and rec.article_slug is None
    assert audit_actions(app, rosa)[-1][0] == "recommendation.create"


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("javascript:alert(1)", "starts with https:// or http://"),
        ("ftp://example.org/file", "starts with https:// or http://"),
        ("/blog/calves", "starts with https:// or http://"),
        ("https://", "starts with https:// or http://"),
    ],
)
def test_recommendation_links_must_be_web_addresses(app, client, staff, rosa, link, message):
    response = client.post(
        f"/staff/clients/{rosa}/recommendations/new",
        data={"title": "Read this", "link_url": link, "session_id": "0"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert count(app, Recommendation) == 0


def test_a_recommendation_cannot_point_at_another_clients_session(
    app, client, staff, rosa, make_user, records
):
    other = make_user("other@example.com")
    their_session = records.session(other)
    response = client.post(
        f"/staff/clients/{rosa}/recommendations/new",
        data={"title": "Sneaky", "session_id": str(their_session)},
    )
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert count(app, Recommendation) == 0


def test_editing_a_recommendation(app, client, staff, rosa, records):
    rec = records.recommendation(rosa, title="Old title", due_in=None)
    page = client.get(f"/staff/clients/{rosa}/recommendations/{rec}").get_data(as_text=True)
    assert 'value="Old title"' in page
    response = client.post(
        f"/staff/clients/{rosa}/recommendations/{rec}",
        data={"title": "New title", "frequency": "5 minutes a day", "session_id": "0"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Recommendation, rec).title == "New title"
    assert audit_actions(app, rosa)[-1] == ("recommendation.update", "changed: title")


# --- booking guidance rules ------------------------------------------------------------------


def test_booking_rules_are_editable_and_reach_the_dashboard(app, client, auth, records, make_user):
    records.default_rules()
    auth.login_staff()
    with app.app_context():
        rule = db.session.scalar(sa.select(BookingRule).order_by(BookingRule.position))
        rule_id = rule.id
    response = client.post(
        f"/staff/clients/guidance/{rule_id}",
        data={
            "title": "Build phase",
            "advice": "Every ten days while the long run grows.",
            "kind": "book",
            "audience": "everyone",
            "starts_days": "",
            "ends_days": "-8",
            "repeat_every_days": "10",
            "position": "10",
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    assert "Build phase" in client.get("/staff/clients/guidance").get_data(as_text=True)

    auth.logout()
    runner = auth.login_client("runner@example.com")
    records.race(runner, in_days=40)
    page = client.get("/portal/").get_data(as_text=True)
    assert "Build phase" in page and "Every ten days while the long run grows." in page


def test_a_booking_rule_window_must_not_end_before_it_starts(app, client, staff):
    response = client.post(
        "/staff/clients/guidance/new",
        data={
            "title": "Backwards",
            "advice": "…",
            "kind": "book",
            "audience": "everyone",
            "starts_days": "-2",
            "ends_days": "-5",
            "position": "1",
        },
    )
    assert "must end on or after the day it starts" in response.get_data(as_text=True)
    assert count(app, BookingRule) == 0


@pytest.mark.parametrize("slug", ["not-an-article", "recovery-after-a-race) AND 1=1 " * 10])
def test_a_recommendation_only_points_at_a_published_article(app, client, staff, rosa, slug):
    """sqlmap (Scans, docs/security.md) got a 500 on PostgreSQL: any submitted slug was
    offered as a choice, and one over 200 characters overflowed the column."""
    response = client.post(
        f"/staff/clients/{rosa}/recommendations/new",
        data={"title": "Read this", "article_slug": slug, "session_id": "0"},
    )
    assert response.status_code == 200
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert count(app, Recommendation) == 0


def test_a_stored_unpublished_article_stays_offered_when_editing(app, client, staff, rosa, records):
    rec = records.recommendation(rosa, title="Read this", due_in=None)
    with app.app_context():
        db.session.get(Recommendation, rec).article_slug = "a-draft-article"
        db.session.commit()
    page = client.get(f"/staff/clients/{rosa}/recommendations/{rec}").get_data(as_text=True)
    assert "a-draft-article (not published)" in page
    response = client.post(
        f"/staff/clients/{rosa}/recommendations/{rec}",
        data={"title": "Read this", "article_slug": "a-draft-article", "session_id": "0"},
    )
    assert response.status_code == 302


def test_a_second_session_on_the_same_day_asks_first_and_keeps_what_was_typed(
    app, client, staff, rosa
):
    yesterday = date.today() - timedelta(days=1)
    assert (
        client.post(f"/staff/clients/{rosa}/sessions/new", data=session_form()).status_code == 302
    )
    second = session_form(client_notes="Second visit: hamstrings only.", areas=["hamstrings"])

    asked = client.post(f"/staff/clients/{rosa}/sessions/new", data=second)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert count(app, MassageSession) == 1  # nothing saved yet
    assert re.search(
        rf"Rosa Runner already has a session on \w+, {yesterday:%b} {yesterday.day}, "
        rf"{yesterday.year}",
        page,
    )
    assert "record another?" in page
    assert "Second visit: hamstrings only." in page  # the typed text is kept
    assert re.search(r'checked[^>]*value="hamstrings"|value="hamstrings"[^>]*checked', page)
    assert 'name="record_another" value="yes"' in page

    confirmed = client.post(
        f"/staff/clients/{rosa}/sessions/new", data={**second, "record_another": "yes"}
    )
    assert confirmed.status_code == 302
    assert count(app, MassageSession) == 2

    other_day = session_form(held_on=(yesterday - timedelta(days=1)).isoformat())
    assert client.post(f"/staff/clients/{rosa}/sessions/new", data=other_day).status_code == 302
    assert count(app, MassageSession) == 3
