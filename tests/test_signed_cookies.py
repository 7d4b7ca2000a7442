"""Session cookies verified once per process and CSRF tokens signed once a minute
(``portal.signed_cookies``) accept and refuse exactly what Flask and Flask-WTF would."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from portal import signed_cookies
from portal.signed_cookies import MemoizedSessionInterface


def _cookie_for(app: Flask, data: dict[str, object]) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps(data)


def _opened(app: Flask, cookie: str):  # type: ignore[no-untyped-def]
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}) as context:
        return app.session_interface.open_session(app, context.request)


def test_the_app_uses_the_memoizing_interface(app):
    assert isinstance(app.session_interface, MemoizedSessionInterface)


def test_a_remembered_cookie_gives_an_equal_but_separate_session(app):
    cookie = _cookie_for(app, {"_user_id": "abc", "csrf_token": "raw"})
    first, second = _opened(app, cookie), _opened(app, cookie)
    assert dict(first) == dict(second) == {"_user_id": "abc", "csrf_token": "raw"}
    first["_user_id"] = "changed"
    assert _opened(app, cookie)["_user_id"] == "abc"


def test_a_tampered_cookie_is_refused_after_the_genuine_one_was_remembered(app):
    cookie = _cookie_for(app, {"_user_id": "abc"})
    assert _opened(app, cookie)["_user_id"] == "abc"
    payload, timestamp, signature = cookie.rsplit(".", 2)
    forged = f"{payload}.{timestamp}.{'A' * len(signature)}"
    assert dict(_opened(app, forged)) == {}


def test_a_remembered_session_still_expires(app, monkeypatch):
    cookie = _cookie_for(app, {"_user_id": "abc"})
    assert _opened(app, cookie)["_user_id"] == "abc"
    lifetime = app.permanent_session_lifetime.total_seconds()
    real = signed_cookies.time.time
    monkeypatch.setattr(signed_cookies.time, "time", lambda: real() + lifetime + 5)
    assert dict(_opened(app, cookie)) == {}


def test_another_key_does_not_reuse_what_the_first_verified(app):
    cookie = _cookie_for(app, {"_user_id": "abc"})
    assert _opened(app, cookie)["_user_id"] == "abc"
    app.secret_key = "another-key-of-at-least-thirty-two-characters"
    assert dict(_opened(app, cookie)) == {}


def test_sessions_holding_lists_are_never_shared(app):
    """Flash messages are a list that ``flash()`` appends to in place."""
    cookie = _cookie_for(app, {"_flashes": [("info", "Saved.")]})
    first, second = _opened(app, cookie), _opened(app, cookie)
    first["_flashes"].append(("info", "Another."))
    assert second["_flashes"] == [("info", "Saved.")]


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_a_reused_csrf_token_is_accepted_and_another_sessions_is_not(app, make_user):
    make_user("rosa@example.com")
    browser, other = app.test_client(), app.test_client()

    def token(client) -> str:  # type: ignore[no-untyped-def]
        page = client.get("/login").get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    first, again, others = token(browser), token(browser), token(other)
    assert first == again  # signed once, handed out again within the minute
    assert others != first
    form = {"email": "rosa@example.com", "password": "wrong password, surely"}
    assert other.post("/login", data={**form, "csrf_token": first}).status_code == 400
    assert browser.post("/login", data={**form, "csrf_token": first}).status_code != 400
