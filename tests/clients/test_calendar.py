"""The calendar feed: contents, the secret address, and resetting it."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from tests.fixtures.records import PRIVATE


@pytest.fixture
def rosa(auth) -> int:
    return auth.login_client("rosa@example.com")


def events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def subscription_path(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/portal/calendar").get_data(as_text=True)
    url = re.search(r'id="subscription-url"[^>]*value="([^"]+)"', page).group(1)
    base = client.application.config["PORTAL_BASE_URL"]
    assert url.startswith(base + "/")
    return url.removeprefix(base).replace("&amp;", "&")


def test_calendar_has_sessions_due_dates_and_race_day(app, client, rosa, records, therapist):
    domain = urlsplit(app.config["PORTAL_BASE_URL"]).hostname
    timed = records.session(
        rosa,
        therapist_id=therapist,
        held_on=date(2026, 3, 14),
        starts_at=time(18, 30),
        areas=("calves", "feet"),
        client_notes="Easy week: two short runs.",
    )
    all_day = records.session(rosa, held_on=date(2026, 3, 21), starts_at=None, modality="pre_event")
    due = records.recommendation(rosa, title="Stretch calves", due_in=5, frequency="daily")
    records.recommendation(rosa, title="No due date", due_in=None)
    records.recommendation(rosa, title="Already done", due_in=3, done=True)
    records.race(rosa, in_days=30, name="Riverside 10K")

    response = client.get("/portal/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert PRIVATE.encode() not in response.data

    found = events(response.data)
    assert len(found) == 4
    session = found[f"session-{timed}@{domain}"]
    assert str(session["summary"]) == "Sports massage with Theo Therapist"
    assert session.decoded("dtstart") == datetime(2026, 3, 14, 18, 30)  # floating local time
    assert session.decoded("duration") == timedelta(minutes=60)
    assert "Areas worked: Calves, Feet" in str(session["description"])
    assert "Easy week: two short runs." in str(session["description"])
    assert str(session["url"]).endswith(f"/portal/sessions/{timed}")

    whole_day = found[f"session-{all_day}@{domain}"]
    assert whole_day.decoded("dtstart") == date(2026, 3, 21)
    assert str(whole_day["summary"]) == "Pre-event"  # no therapist on record

    reminder = found[f"recommendation-{due}@{domain}"]
    assert str(reminder["summary"]) == "Due: Stretch calves"
    assert reminder.decoded("dtstart") == date.today() + timedelta(days=5)

    race_day = date.today() + timedelta(days=30)
    race = found[f"race-{rosa}-{race_day:%Y%m%d}@{domain}"]
    assert str(race["summary"]) == "Race day: Riverside 10K"


def test_the_subscription_address_works_without_signing_in(app, client, rosa, records):
    records.session(rosa, client_notes="Visible to calendar apps.")
    path = subscription_path(client)
    assert path.startswith("/portal/calendar.ics?token=")
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert b"Visible to calendar apps." in response.data.replace(b"\r\n ", b"")
    assert PRIVATE.encode() not in response.data


def test_resetting_the_address_stops_the_old_one(app, client, rosa):
    old = subscription_path(client)
    assert client.get("/portal/calendar/reset").status_code == 405  # POST only
    response = client.post("/portal/calendar/reset")
    assert response.status_code == 302
    new = subscription_path(client)
    assert new != old
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    assert subscription_path(client) == new  # stable until the next reset


def test_anonymous_without_a_token_is_asked_to_sign_in(client):
    response = client.get("/portal/calendar.ics")
    assert response.status_code == 302
    assert "/login?next=/portal/calendar.ics" in response.headers["Location"]


def test_a_changed_secret_key_invalidates_addresses(app, client, rosa):
    path = subscription_path(client)
    app.config["SECRET_KEY"] = "another-secret-key-for-this-test-only-0123456789"
    assert app.test_client().get(path).status_code == 404


def test_calendar_page_offers_one_tap_subscriptions(app, client, rosa):
    """``webcal:`` for Apple Calendar and phones, the add-by-address pages of Google and
    Outlook; each carries the same private feed address (links only: nothing is fetched)."""
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    page = client.get("/portal/calendar").get_data(as_text=True)
    base = app.config["PORTAL_BASE_URL"]
    feed_url = base + subscription_path(client)
    links = {unescape(href) for href in re.findall(r'href="([^"]+)"', page)}
    webcal = "webcal://" + feed_url.split("://", 1)[1]
    assert webcal in links
    google = next(link for link in links if link.startswith("https://calendar.google.com/"))
    assert parse_qs(urlsplit(google).query)["cid"] == [webcal]
    outlook = next(link for link in links if link.startswith("https://outlook.live.com/"))
    assert urlsplit(outlook).path == "/calendar/0/addfromweb"
    assert parse_qs(urlsplit(outlook).query)["url"] == [feed_url]
    assert any(
        link.startswith("https://outlook.office.com/calendar/0/addfromweb?") for link in links
    )
