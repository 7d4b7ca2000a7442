"""The portal's cached parts show every change on the next request, in every web process.

Each test opens the page (so its part is cached), changes something it shows through the
route a person would use, and opens the page again. The last test makes the change in a
second app on the same database, as another gunicorn worker or host would.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import MassageSession, Post, PostStatus, Recommendation, User
from portal.models.types import utcnow
from tests.conftest import built_app, sign_in
from tests.staff.test_clients import session_form


@pytest.fixture
def rosa(make_user, records, therapist) -> int:
    rosa = make_user("rosa@example.com", name="Rosa Runner")
    records.session(rosa, therapist_id=therapist, days_ago=5, areas=("calves",))
    records.race(rosa, in_days=40, name="Riverside Marathon")
    records.default_rules()
    return rosa


@pytest.fixture
def staff_client(app, make_user):  # type: ignore[no-untyped-def]
    make_user("admin-staff@example.com", role="admin", name="Ada Admin")
    staff = app.test_client()
    assert sign_in(staff, "admin-staff@example.com").status_code == 302
    return staff


@pytest.fixture
def rosa_client(app, rosa):  # type: ignore[no-untyped-def]
    device = app.test_client()
    assert sign_in(device, "rosa@example.com").status_code == 302
    return device


def _page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_session_recorded_by_staff_shows_at_once(rosa_client, staff_client, rosa, therapist):
    assert "1 session" in _page(rosa_client, "/portal/sessions")
    yesterday = date.today() - timedelta(days=1)
    response = staff_client.post(
        f"/staff/clients/{rosa}/sessions/new", data=session_form(therapist_id=str(therapist))
    )
    assert response.status_code == 302
    assert "2 sessions" in _page(rosa_client, "/portal/sessions")
    dashboard = _page(rosa_client, "/portal/")
    assert f"{yesterday:%a} {yesterday.day} {yesterday:%b %Y}" in dashboard  # the last session


def test_changed_areas_alone_show_at_once(app, rosa_client, staff_client, rosa, therapist):
    assert "Calves" in _page(rosa_client, "/portal/sessions")
    with app.app_context():
        session_id = db.session.scalar(sa.select(MassageSession.id))
    form = session_form(therapist_id=str(therapist), areas=["feet"])
    with app.app_context():
        visit = db.session.get(MassageSession, session_id)
        form.update(held_on=visit.held_on.isoformat(), duration_minutes="60", modality="sports")
    staff_client.post(f"/staff/clients/{rosa}/sessions/{session_id}", data=form)
    history = _page(rosa_client, "/portal/sessions")
    assert "Feet" in history and "Calves" not in history


def test_a_recommendation_marked_done_leaves_the_dashboard(rosa_client, rosa, records):
    rec = records.recommendation(rosa, title="Hip flexor stretch")
    assert "Hip flexor stretch" in _page(rosa_client, "/portal/")
    done = rosa_client.post(f"/portal/recommendations/{rec}/done", follow_redirects=True)
    assert done.status_code == 200  # the flash saying so is shown there, not on the dashboard
    assert "Hip flexor stretch" not in _page(rosa_client, "/portal/")
    rosa_client.post(f"/portal/recommendations/{rec}/undo", follow_redirects=True)
    assert "Hip flexor stretch" in _page(rosa_client, "/portal/")


def test_a_profile_change_shows_at_once(rosa_client):
    assert "Riverside Marathon" in _page(rosa_client, "/portal/")
    race_on = date.today() + timedelta(days=90)
    rosa_client.post(
        "/portal/profile",
        data={"goal_race_name": "Hills Half", "goal_race_on": race_on.isoformat()},
    )
    dashboard = _page(rosa_client, "/portal/")
    assert "Hills Half" in dashboard and "Riverside Marathon" not in dashboard


def test_practice_settings_and_booking_rules_show_at_once(rosa_client, staff_client):
    assert "01632 960123" not in _page(rosa_client, "/portal/")
    settings = staff_client.get("/staff/settings").get_data(as_text=True)
    values = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', settings))
    values.update(phone="01632 960123")
    assert staff_client.post("/staff/settings", data=values).status_code == 302
    assert "01632 960123" in _page(rosa_client, "/portal/")

    rules = staff_client.get("/staff/clients/guidance").get_data(as_text=True)
    rule_id = re.search(r"/staff/clients/guidance/(\d+)", rules).group(1)
    form = staff_client.get(f"/staff/clients/guidance/{rule_id}").get_data(as_text=True)
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form))
    advice = re.search(r'<textarea[^>]*name="advice"[^>]*>\s*([^<]*)</textarea>', form).group(1)
    fields.update(title="Weekly while you build", advice=advice.strip(), is_active="y")
    fields.update(kind="book", audience="everyone")
    response = staff_client.post(f"/staff/clients/guidance/{rule_id}", data=fields)
    assert response.status_code == 302
    assert "Weekly while you build" in _page(rosa_client, "/portal/")


def test_renamed_people_show_at_once(app, rosa_client, therapist):
    assert "Theo Therapist" in _page(rosa_client, "/portal/sessions")
    assert "Hello, Rosa Runner" in _page(rosa_client, "/portal/")
    rosa_client.post("/account/name", data={"name-name": "Rosa R."})
    assert "Hello, Rosa R." in _page(rosa_client, "/portal/")
    with app.app_context():
        db.session.get(User, therapist).name = "Theodora Therapist"
        db.session.commit()
    assert "Theodora Therapist" in _page(rosa_client, "/portal/sessions")


def test_a_linked_articles_new_title_shows_at_once(app, rosa_client, rosa, records, therapist):
    with app.app_context():
        post = Post(
            slug="calf-care",
            title="Calf care",
            summary="",
            body_source="Text.",
            body_html="<p>Text.</p>",
            author_id=therapist,
            status=PostStatus.PUBLISHED.value,
            publish_at=utcnow() - timedelta(days=1),
        )
        db.session.add(post)
        db.session.commit()
    records.recommendation(rosa, title="Roll your calves", article_slug="calf-care")
    assert "Calf care" in _page(rosa_client, "/portal/")
    with app.app_context():
        db.session.scalar(sa.select(Post)).title = "Caring for your calves"
        db.session.commit()
    assert "Caring for your calves" in _page(rosa_client, "/portal/")


def test_each_device_gets_buttons_with_its_own_csrf_token(app, rosa, records):
    app.config["WTF_CSRF_ENABLED"] = True
    rec = records.recommendation(rosa, title="Hip flexor stretch")
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        assert sign_in(device, "rosa@example.com").status_code == 302
    tokens = []
    for device in (laptop, phone):  # the phone's page comes from the laptop's cached part
        page = _page(device, "/portal/")
        form = re.search(rf'action="/portal/recommendations/{rec}/done".*?</form>', page, re.S)
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', form.group(0)).group(1))
    assert tokens[0] != tokens[1]
    done = phone.post(f"/portal/recommendations/{rec}/done", data={"csrf_token": tokens[1]})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Recommendation, rec).done_at is not None


def test_the_advice_moves_with_the_date(app, rosa_client, monkeypatch):
    today = date.today()
    assert "40 days to go" in _page(rosa_client, "/portal/")
    monkeypatch.setattr("portal.clients.routes.local_today", lambda: today + timedelta(days=1))
    assert "39 days to go" in _page(rosa_client, "/portal/")


def test_a_change_made_by_another_web_process_shows_at_once(app, database_url, rosa_client, rosa):
    assert "Riverside Marathon" in _page(rosa_client, "/portal/")
    # A second app on the same database: another gunicorn worker, or another host.
    with built_app(database_url) as other:
        other_client = other.test_client()
        assert sign_in(other_client, "rosa@example.com").status_code == 302
        race_on = date.today() + timedelta(days=60)
        other_client.post(
            "/portal/profile",
            data={"goal_race_name": "Lakeside 10K", "goal_race_on": race_on.isoformat()},
        )
    assert "Lakeside 10K" in _page(rosa_client, "/portal/")


def test_the_newsletter_box_follows_the_subscription_and_the_tips_sent(
    app, rosa_client, rosa, monkeypatch
):
    """The dashboard's newsletter box (its own scope) changes with the subscription, by the
    ORM, and with the tips the scheduler queues in bulk."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from portal.demo import newsletter as demo_newsletter
    from portal.models import Subscriber, SubscriberStatus
    from portal.newsletter import tips

    with app.app_context():
        demo_newsletter.seed()  # the tip sequences
        subscriber = Subscriber(
            email="rosa@example.com",
            name="Rosa",
            status=SubscriberStatus.CONFIRMED.value,
            confirmed_at=utcnow(),
            requested_at=utcnow(),
            topic_tips=True,
            race_name="Riverside Marathon",
            race_on=date.today() + timedelta(days=40),
            tips_planned_from=date.today(),
        )
        db.session.add(subscriber)
        db.session.commit()
    box = _page(rosa_client, "/portal/")
    assert "Newsletter tips to come" in box
    upcoming_before = box.count('class="tip-date"')
    assert upcoming_before > 0

    # The scheduler queues the tips due in the next days in bulk (no ORM objects).
    with app.app_context():
        later = datetime.combine(
            date.today() + timedelta(days=40), time(12), ZoneInfo("Europe/London")
        )
        for days in range(0, 45):
            tips.send_due_tips(now=later - timedelta(days=44 - days))
        db.session.commit()
    assert _page(rosa_client, "/portal/").count('class="tip-date"') < upcoming_before

    with app.app_context():  # unsubscribing (through the ORM) removes the box
        mine = db.session.scalar(
            sa.select(Subscriber).where(Subscriber.email == "rosa@example.com")
        )
        mine.status = SubscriberStatus.UNSUBSCRIBED.value
        db.session.commit()
    assert "Newsletter tips to come" not in _page(rosa_client, "/portal/")


def test_a_session_added_through_its_relationship_bumps_its_clients_version(
    app, rosa_client, rosa, therapist
):
    """The client's key is only known once the flush has run (set from ``client=``)."""
    assert "1 session" in _page(rosa_client, "/portal/sessions")
    with app.app_context():
        visit = MassageSession(
            client=db.session.get(User, rosa),
            therapist_id=therapist,
            held_on=date.today() - timedelta(days=2),
            duration_minutes=45,
            modality="sports",
            soreness_before=4,
            soreness_after=2,
            areas=[],
        )
        visit.set_areas(["feet"])
        db.session.add(visit)
        db.session.commit()
    assert "2 sessions" in _page(rosa_client, "/portal/sessions")


def test_whole_pages_come_from_the_cache_until_a_flash_or_a_new_stylesheet(
    app, rosa_client, rosa, records, monkeypatch
):
    """The layout around the part is kept too (no template rendered on a repeat visit); a
    flash message is still shown once, on the page it was meant for, and a changed static
    file's new fingerprinted name shows at once."""
    from flask import template_rendered

    rec = records.recommendation(rosa, title="Hip flexor stretch")
    rendered: list[str] = []

    def note(_app, template, _context, **_extra):  # type: ignore[no-untyped-def]
        rendered.append(template.name)

    for url in ("/portal/", "/portal/sessions"):
        first = _page(rosa_client, url)
        with template_rendered.connected_to(note, app):
            assert _page(rosa_client, url) == first
        assert rendered == []

    done = rosa_client.post(
        f"/portal/recommendations/{rec}/done", data={"next": "/portal/sessions"}
    )
    assert done.headers["Location"] == "/portal/sessions"
    assert "Marked done: Hip flexor stretch." in _page(rosa_client, "/portal/sessions")
    assert "Marked done" not in _page(rosa_client, "/portal/sessions")  # shown once

    files = app.extensions["static_files"]
    assert re.search(r"/static/css/site\.[0-9a-f]{12}\.css", _page(rosa_client, "/portal/"))
    monkeypatch.setattr(files, "digest", lambda name: "0123456789ab")
    assert "/static/css/site.0123456789ab.css" in _page(rosa_client, "/portal/")


def test_the_versions_read_with_the_user_are_those_of_their_scopes(app, rosa, records):
    """The SQL form of each scope (``own_versions_columns``) names the same scope as its
    Python form: after bumps, the versions read with the user are the ones read apart."""
    from flask import g

    from portal.auth.session import load_user
    from portal.core.render_cache import bump, own_scopes, versions

    with app.app_context():
        user = db.session.get(User, rosa)
        scopes = own_scopes(user)
        assert scopes[0] == f"client:{rosa}" and scopes[2] == "newsletter:rosa@example.com"
        for count, scope in enumerate(scopes, start=1):
            for _ in range(count):
                bump(db.session, [scope])
        db.session.commit()
        token = user.session_token
    with app.test_request_context("/portal/"):
        assert load_user(token) is not None
        assert g.own_versions == (rosa, versions(db.session, scopes))
        assert g.own_versions[1][2] == 3  # the newsletter scope, bumped only here
        assert min(g.own_versions[1]) >= 1
