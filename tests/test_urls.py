"""Redirect targets that anyone can write into a link (``next``): local paths only."""

from __future__ import annotations

import pytest

from portal.web.urls import local_path
from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/portal/sessions?page=2", "/portal/sessions?page=2"),
        ("/staff/", "/staff/"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example/", None),  # browsers read it as //evil.example/
        ("/portal/\r\nSet-Cookie: x=1", None),
        ("/portal/\x00", None),
        ("/portal/a b", None),
        ("/portal/\u2028", None),
        ("portal/", None),
        ("", None),
        (None, None),
    ],
)
def test_local_path(target, expected):
    assert local_path(target) == expected


@pytest.mark.parametrize(
    "bad_next", ["/portal/\r\nSet-Cookie: x=1", "/\\evil.example/", "/portal/\x00"]
)
def test_signing_in_with_a_bad_next_lands_at_home(client, make_user, bad_next):
    """A line break in ``next`` reached the Location header: Werkzeug refused it, a 500."""
    make_user("rosa@example.com")
    response = client.post(
        "/login",
        query_string={"next": bad_next},
        data={"email": "rosa@example.com", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/"


def test_mark_done_with_a_bad_next_returns_to_the_list(client, auth, records):
    client_id = auth.login_client()
    recommendation = records.recommendation(client_id)
    response = client.post(
        f"/portal/recommendations/{recommendation}/done",
        data={"next": "/portal/\r\nSet-Cookie: x=1"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/recommendations"
