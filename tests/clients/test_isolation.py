"""A client sees only their own records; the back office is for staff only.

Two clients, Ana and Ben, each with a session, a recommendation and a calendar. Every URL
that names one of Ana's records works for Ana and is a 404 for Ben, and nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask

from portal.clients import calendar
from portal.extensions import db
from portal.models import Recommendation
from tests.routes import example_path, rules


@dataclass
class Owned:
    ana: int
    ben: int
    session: int
    recommendation: int
    done_recommendation: int
    token: str
    old_token: str


@pytest.fixture
def owned(app: Flask, make_user, records) -> Owned:
    ana = make_user("ana@example.com")
    ben = make_user("ben@example.com")
    session = records.session(ana)
    recommendation = records.recommendation(ana, session_id=session)
    done = records.recommendation(ana, done=True)
    records.session(ben)
    records.recommendation(ben)
    with app.test_request_context():
        old_token = calendar.calendar_token(ana)
        calendar.reset_token(ana)
        db.session.commit()
        token = calendar.calendar_token(ana)
    return Owned(ana, ben, session, recommendation, done, token, old_token)


# (method, URL template, what the owner gets). Fields of ``Owned`` fill the template.
CLIENT_SCOPED = [
    ("GET", "/portal/sessions/{session}", 200),
    ("POST", "/portal/recommendations/{recommendation}/done", 302),
    ("POST", "/portal/recommendations/{done_recommendation}/undo", 302),
    ("GET", "/portal/calendar.ics?token={token}", 200),
]


def _url(template: str, owned: Owned) -> str:
    return template.format(**vars(owned))


def _done_states(app: Flask) -> dict[int, bool]:
    with app.app_context():
        return {r.id: r.done_at is not None for r in db.session.scalars(db.select(Recommendation))}


@pytest.mark.parametrize(("method", "template", "owner_status"), CLIENT_SCOPED)
def test_another_clients_record_is_a_404_and_stays_unchanged(
    app, client, auth, owned, method, template, owner_status
):
    url = _url(template, owned)
    before = _done_states(app)
    auth.login("ben@example.com")
    response = client.open(url, method=method)
    assert response.status_code == 404, url
    assert _done_states(app) == before

    auth.logout()
    auth.login("ana@example.com")
    assert client.open(url, method=method).status_code == owner_status


def test_every_client_url_with_an_id_is_covered_above(app):
    """A new portal URL that takes an id must be added to CLIENT_SCOPED."""
    covered = {re.sub(r"\{\w+\}", "<>", t.split("?")[0]) for _, t, _ in CLIENT_SCOPED}
    with_ids = {
        re.sub(r"<[^>]+>", "<>", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("clients.") and rule.arguments
    }
    assert with_ids <= covered


@pytest.mark.parametrize(
    "token",
    ["{old_token}", "{ana}.not-the-mac", "{ana}.", "nonsense", "{ben}x.abc", "999999.abc"],
)
def test_wrong_or_old_calendar_tokens_are_404_without_signing_in(client, owned, token):
    url = "/portal/calendar.ics?token=" + token.format(**vars(owned))
    assert client.get(url).status_code == 404


def test_a_calendar_token_works_without_signing_in(client, owned):
    response = client.get(f"/portal/calendar.ics?token={owned.token}")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"


def staff_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, example URL) for every GET and POST route of the back office."""
    return sorted(
        (method, example_path(rule))
        for method in ("GET", "POST")
        for rule in rules(app, method)
        if rule.endpoint.startswith("staff.")
    )


def test_every_staff_page_is_403_for_a_client_and_login_for_anonymous(app, client, auth):
    routes = staff_routes(app)
    assert ("GET", "/staff/clients") in routes
    assert ("POST", "/staff/clients/1/sessions/1/delete") in routes
    for method, url in routes:
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    auth.login_client()
    for method, url in routes:
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_staff_cannot_reach_a_record_through_the_wrong_client(client, auth, owned, make_user):
    auth.login_staff()
    ben, ana = owned.ben, owned.ana
    for url in (
        f"/staff/clients/{ben}/sessions/{owned.session}",
        f"/staff/clients/{ben}/sessions/{owned.session}/delete",
        f"/staff/clients/{ben}/recommendations/{owned.recommendation}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/staff/clients/{ana}/sessions/{owned.session}").status_code == 200
    therapist = make_user("colleague@example.com", role="staff")
    assert client.get(f"/staff/clients/{therapist}").status_code == 404  # staff are not clients


def test_staff_have_no_portal_of_their_own(client, auth):
    auth.login_staff()
    assert client.get("/portal/").status_code == 403
    assert client.get("/portal/calendar.ics").status_code == 403
