"""What a signed-in client sees and does in the portal."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Recommendation, TrainingProfile
from tests.fixtures.records import PRIVATE


@pytest.fixture
def rosa(auth) -> int:
    return auth.login_client("rosa@example.com")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/portal/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_navigation_offers_my_sessions_to_clients(client, rosa):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/portal/"' in page and "My portal" in page


def test_dashboard_with_nothing_yet(client, rosa):
    page = client.get("/portal/").get_data(as_text=True)
    assert "No sessions on your record yet" in page
    assert "Add your goal race" in page
    assert "Nothing to do right now" in page


def test_dashboard_shows_last_session_race_guidance_and_active_recommendations(
    client, rosa, records, therapist
):
    records.default_rules()
    records.session(rosa, therapist_id=therapist, days_ago=20, areas=("quads",))
    last = records.session(rosa, therapist_id=therapist, days_ago=3, areas=("calves", "feet"))
    records.race(rosa, in_days=42, name="Riverside Marathon")
    records.recommendation(rosa, title="Undated stretch", due_in=None)
    records.recommendation(rosa, title="Due soon", due_in=2)
    records.recommendation(rosa, title="Due later", due_in=9)
    records.recommendation(rosa, title="Already done", done=True)

    page = client.get("/portal/").get_data(as_text=True)
    assert f"/portal/sessions/{last}" in page
    assert "Calves, Feet" in page
    assert "Riverside Marathon" in page and "42 days to go" in page
    assert "While you build mileage" in page and "Before the race" in page
    # the weekly session is due 7 days after the last one
    book_by = date.today() + timedelta(days=4)
    assert f"by <strong>{book_by:%a}, {book_by:%b} {book_by.day}, {book_by:%Y}</strong>" in page
    # due soonest first, undated last, done ones not here
    assert page.index("Due soon") < page.index("Due later") < page.index("Undated stretch")
    assert "Already done" not in page
    assert PRIVATE not in page


def test_a_race_in_the_past_asks_for_the_next_one(client, rosa, records):
    records.default_rules()
    records.race(rosa, in_days=-30)
    page = client.get("/portal/").get_data(as_text=True)
    assert "Set your next goal race" in page


def test_history_is_newest_first_with_the_row_details(client, rosa, records, therapist):
    older = records.session(rosa, therapist_id=therapist, days_ago=30, modality="deep_tissue")
    newer = records.session(rosa, therapist_id=therapist, days_ago=2, areas=("it_band",))
    page = client.get("/portal/sessions").get_data(as_text=True)
    assert page.index(f"/portal/sessions/{newer}") < page.index(f"/portal/sessions/{older}")
    assert "Theo Therapist" in page and "Deep tissue" in page and "IT band" in page
    assert "60 min" in page
    assert PRIVATE not in page


def test_history_is_paginated(client, rosa, records, therapist):
    records.sessions(rosa, 45, therapist)
    first = client.get("/portal/sessions").get_data(as_text=True)
    assert "Page 1 of 3" in first and "Older sessions" in first
    last = client.get("/portal/sessions?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last and "Newer sessions" in last
    assert len(re.findall(r'href="/portal/sessions/\d+"', last)) == 5


def test_history_filters_by_year_and_therapist(client, rosa, records, therapist, make_user):
    other = make_user("ana@example.com", role="staff", name="Ana Other")
    this_year = date.today().year
    a = records.session(rosa, therapist_id=therapist, held_on=date(this_year - 1, 6, 1))
    b = records.session(rosa, therapist_id=other, held_on=date(this_year - 1, 9, 1))
    c = records.session(rosa, therapist_id=therapist, held_on=date(this_year, 1, 2))

    def shown(query: str) -> set[int]:
        page = client.get(f"/portal/sessions?{query}").get_data(as_text=True)
        return {s for s in (a, b, c) if f'href="/portal/sessions/{s}"' in page}

    assert shown("") == {a, b, c}
    assert shown(f"year={this_year - 1}") == {a, b}
    assert shown(f"therapist={other}") == {b}
    assert shown(f"year={this_year - 1}&therapist={therapist}") == {a}
    assert shown("year=1999&therapist=nonsense") == {a, b, c}  # unknown values mean "all"
    page = client.get("/portal/sessions").get_data(as_text=True)
    assert f'<option value="{this_year - 1}">' in page and "Ana Other" in page


def test_one_session_shows_everything_meant_for_the_client(client, rosa, records, therapist):
    session_id = records.session(
        rosa,
        therapist_id=therapist,
        areas=("glutes", "hip_flexors"),
        modality="trigger_point",
        before=7,
        after=2,
        client_notes="Glutes were doing the work your hamstrings should.",
    )
    records.recommendation(rosa, session_id=session_id, title="Glute bridges")
    records.recommendation(rosa, title="From another day")
    page = client.get(f"/portal/sessions/{session_id}").get_data(as_text=True)
    for text in (
        "Theo Therapist",
        "Trigger point",
        "60 minutes, from 6:30\u202fPM",
        "Firm",
        "Glutes, Hip flexors",
        "7 out of 10",
        "2 out of 10",
        "Glutes were doing the work your hamstrings should.",
        "Glute bridges",
    ):
        assert text in page, text
    assert "From another day" not in page
    assert PRIVATE not in page


def test_marking_done_and_undoing(client, rosa, records, app):
    rec = records.recommendation(rosa, title="Calf raises")
    response = client.post(f"/portal/recommendations/{rec}/done")
    assert response.status_code == 302 and response.headers["Location"] == "/portal/recommendations"
    page = client.get("/portal/recommendations").get_data(as_text=True)
    done_section = page[page.index('id="done-heading"') :]
    assert "Calf raises" in done_section
    with app.app_context():
        assert db.session.get(Recommendation, rec).done_at is not None

    response = client.post(f"/portal/recommendations/{rec}/undo")
    assert response.status_code == 302
    page = client.get("/portal/recommendations").get_data(as_text=True)
    assert "Calf raises" in page[: page.index('id="done-heading"')]
    with app.app_context():
        assert db.session.get(Recommendation, rec).done_at is None


def test_marking_done_twice_keeps_the_first_time(client, rosa, records, app):
    rec = records.recommendation(rosa)
    client.post(f"/portal/recommendations/{rec}/done")
    with app.app_context():
        first = db.session.get(Recommendation, rec).done_at
    client.post(f"/portal/recommendations/{rec}/done")
    with app.app_context():
        assert db.session.get(Recommendation, rec).done_at == first


@pytest.mark.parametrize("action", ["done", "undo"])
def test_marking_needs_a_post(client, rosa, records, action):
    rec = records.recommendation(rosa)
    assert client.get(f"/portal/recommendations/{rec}/{action}").status_code == 405


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/portal/", "/portal/"),
        ("https://evil.example/", "/portal/recommendations"),
        ("//evil.example/portal/", "/portal/recommendations"),
        ("/staff/", "/portal/recommendations"),
    ],
)
def test_marking_done_returns_only_to_portal_pages(client, rosa, records, next_url, lands_on):
    rec = records.recommendation(rosa)
    response = client.post(f"/portal/recommendations/{rec}/done", data={"next": next_url})
    assert response.headers["Location"] == lands_on


def test_recommendation_links(client, rosa, records):
    records.recommendation(rosa, title="Read this", link_url="https://example.org/rolling")
    records.recommendation(rosa, title="Blog later", article_slug="self-massage-for-calves")
    page = client.get("/portal/recommendations").get_data(as_text=True)
    assert 'href="https://example.org/rolling"' in page
    assert "self-massage-for-calves" not in page  # no blog yet: no dead link


def test_training_profile_saves(client, rosa, app):
    race_day = date.today() + timedelta(days=60)
    response = client.post(
        "/portal/profile",
        data={
            "goal_race_name": " Riverside Half ",
            "goal_race_on": race_day.isoformat(),
            "weekly_distance": "40",
            "distance_unit": "mi",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(TrainingProfile, rosa)
        assert (profile.goal_race_name, profile.goal_race_on) == ("Riverside Half", race_day)
        assert (profile.weekly_distance, profile.distance_unit) == (40, "mi")
    page = client.get("/portal/profile").get_data(as_text=True)
    assert 'value="Riverside Half"' in page and 'value="40"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"goal_race_name": "Fell Race", "goal_race_on": ""}, "Add the race date too"),
        ({"goal_race_on": "31/31/2027"}, "Not a valid date value."),
        ({"weekly_distance": "-5"}, "Enter a weekly distance from 0 to 400."),
        ({"weekly_distance": "lots"}, "Not a valid integer value."),
        ({"distance_unit": "leagues"}, "Not a valid choice."),
    ],
)
def test_training_profile_problems_are_explained_and_input_kept(client, rosa, app, data, message):
    form = {"distance_unit": "km", **data}
    response = client.post("/portal/profile", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    for value in data.values():
        if value and value != "leagues":
            assert f'value="{value}"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingProfile)) == 0
