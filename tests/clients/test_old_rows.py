"""Rows stored before the input rules existed cannot break a page, the feed or the export.

Forms now refuse control characters and absurd dates (``portal.web.forms``), but a database can
hold what older versions accepted: a race on 9999-12-31 or 0001-01-01 (date arithmetic on the
dashboard and in the feed overflowed), a client name with a line break (icalendar refused it:
the feed was a 500 for good, also for subscribed calendar apps), a "further reading" link with
CR/LF, and on SQLite NUL characters. Every page the client and the staff reach must still
answer, and the feed must stay a valid calendar with one-line values.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date

import pytest
from icalendar import Calendar

from portal.extensions import db
from portal.models import TrainingProfile
from tests.conftest import sign_in
from tests.crawl import crawl

# PostgreSQL refuses NUL in text, so only SQLite can hold one.
NUL = "" if os.environ.get("TEST_DATABASE_URL") else "\x00"
START = ["/portal/", "/staff/", "/staff/clients", "/account"]


@pytest.fixture
def old_rows(app, make_user, records, therapist):
    """Rosa's record as an older version could have stored it; returns her id."""
    rosa = make_user("rosa@example.com", name=f"Rosa\r\nRunner{NUL}")
    records.default_rules()
    records.session(rosa, therapist_id=therapist, held_on=date(9999, 12, 31))
    records.session(
        rosa, therapist_id=therapist, held_on=date(1, 1, 1), client_notes=f"Tight{NUL} calves"
    )
    records.session(rosa, therapist_id=therapist, days_ago=3)
    records.recommendation(
        rosa,
        title=f"Hills\nand{NUL} more hills",
        frequency="Twice\r\na week",
        link_url="https://example.com/a\r\nb",
        details=f"Slowly{NUL}.",
    )
    records.recommendation(rosa, title="Far away", due_in=None)
    with app.app_context():
        from portal.models import Recommendation

        db.session.add(Recommendation(client_id=rosa, title="Last one", due_on=date(9999, 12, 31)))
        db.session.add(
            TrainingProfile(
                user_id=rosa, goal_race_name=f"Big\nRace{NUL}", goal_race_on=date(9999, 12, 31)
            )
        )
        db.session.commit()
    return rosa


@pytest.mark.parametrize("race_on", [date(9999, 12, 31), date(1, 1, 1)])
def test_every_page_answers_with_extreme_old_rows(app, make_user, old_rows, race_on):
    with app.app_context():
        db.session.get(TrainingProfile, old_rows).goal_race_on = race_on
        db.session.commit()
    rosa = app.test_client()
    assert sign_in(rosa, "rosa@example.com").status_code == 302
    seen = crawl(app, rosa, START)
    assert not seen.failures, "\n".join(seen.failures)
    assert {
        "clients.dashboard",
        "clients.history",
        "clients.session_detail",
        "clients.recommendations",
        "clients.progress",
        "clients.calendar_feed",
        "auth.download_data",
    } <= seen.reached()

    make_user("staff@example.com", role="staff")
    staff = app.test_client()
    assert sign_in(staff, "staff@example.com").status_code == 302
    seen = crawl(app, staff, START)
    assert not seen.failures, "\n".join(seen.failures)
    assert {"staff.client_detail", "staff.edit_session", "staff.edit_recommendation"} <= (
        seen.reached()
    )


def test_the_feed_stays_a_calendar_with_one_line_values(app, old_rows):
    client = app.test_client()
    assert sign_in(client, "rosa@example.com").status_code == 302
    response = client.get("/portal/calendar.ics")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "\x00" not in body
    calendar = Calendar.from_ical(body)
    assert str(calendar["x-wr-calname"]).endswith(": Rosa Runner")
    summaries = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert "Due: Hills and more hills" in summaries
    assert "Race day: Big Race" in summaries
    for event in calendar.walk("VEVENT"):
        for name in ("summary", "location", "url"):
            if name in event:
                assert "\n" not in str(event[name]) and "\r" not in str(event[name])
    # The broken link is not offered; the recommendations page is, as for no link at all.
    urls = [str(event["url"]) for event in calendar.walk("VEVENT") if "url" in event]
    assert not any("example.com/a" in url for url in urls)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_export_holds_no_control_characters(app, old_rows):
    """``json.dumps`` writes NUL as ``\\u0000``: valid JSON, but not what anyone typed."""
    client = app.test_client()
    assert sign_in(client, "rosa@example.com").status_code == 302
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    strings = list(_strings(data))
    assert "Rosa\r\nRunner" in strings  # as stored, line breaks and all; the NUL is gone
    assert not [s for s in strings if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", s)]


def test_account_emails_carry_a_one_line_name(app, old_rows, outbox):
    app.test_client().post("/reset-password", data={"email": "rosa@example.com"})
    (message,) = outbox.messages("reset_password")
    assert message["context"]["name"] == "Rosa Runner"
