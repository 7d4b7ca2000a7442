"""A therapist's private notes never reach a client: not on any page, not in the calendar."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import sqlalchemy.exc

from portal.clients import queries
from portal.extensions import db
from tests.fixtures.records import PRIVATE


def client_get_urls(app, ids: dict[str, int]) -> list[str]:  # type: ignore[no-untyped-def]
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("clients.") and "GET" in rule.methods:
            urls.append(re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule))
    return sorted(urls)


def test_no_client_page_contains_private_notes(app, client, auth, records, therapist):
    rosa = auth.login_client("rosa@example.com")
    session_id = records.session(rosa, therapist_id=therapist)
    records.sessions(rosa, 5, therapist)
    records.recommendation(rosa, session_id=session_id)
    records.race(rosa)
    records.default_rules()
    urls = client_get_urls(app, {"session_id": session_id})
    assert "/portal/calendar.ics" in urls and f"/portal/sessions/{session_id}" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert PRIVATE not in response.get_data(as_text=True), url


def test_client_queries_cannot_even_read_private_notes(app, make_user, records):
    """Deferred with raiseload: touching the column without asking for it is an error."""
    rosa = make_user("rosa@example.com")
    session_id = records.session(rosa)
    with app.app_context():
        session = queries.get_session_for_client(session_id, rosa)
        with pytest.raises(sa.exc.InvalidRequestError):
            _ = session.private_notes
        db.session.remove()
        staff_view = queries.get_session_for_client(session_id, rosa, with_private_notes=True)
        assert staff_view.private_notes == PRIVATE
