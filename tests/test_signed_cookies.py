"""Session cookies verified once per process and CSRF tokens signed once a minute
(``portal.signed_cookies``) accept and refuse exactly what Flask and Flask-WTF would."""

from __future__ import annotations

import hashlib
import re

import flask_wtf.csrf
import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import ValidationError

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
    refused = browser.post("/login", data={**form, "csrf_token": first})
    assert refused.status_code == 200  # the form again: the password, not the token, was wrong
    assert "do not match an account" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    "payload",
    [
        {"csrf_token": hashlib.sha256(b"a").hexdigest()[:40]},  # a new reader's session
        {"_user_id": "7", "_fresh": True, "notes": "stretch " * 60},  # long: compressed
        hashlib.sha256(b"b").hexdigest()[:40],  # a CSRF secret
    ],
)
def test_quick_tokens_are_the_tokens_itsdangerous_makes(app, payload, monkeypatch):
    """Same bytes as Flask's own session serializer and Flask-WTF's, at the same second;
    and itsdangerous reads them back."""
    monkeypatch.setattr(signed_cookies.time, "time", lambda: 1_790_000_000.5)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: 1_790_000_000.5)
    session_serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    quick_session = app.session_interface.get_signing_serializer(app)
    csrf_serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    quick_csrf = signed_cookies.QuickTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    for plain, quick in ((session_serializer, quick_session), (csrf_serializer, quick_csrf)):
        assert isinstance(quick, signed_cookies.QuickTimedSerializer)
        token = quick.dumps(payload)
        assert token == plain.dumps(payload)
        assert plain.loads(token) == payload
        other_key = URLSafeTimedSerializer("another key", salt=plain.salt)
        with pytest.raises(BadSignature):
            other_key.loads(token)


def test_the_quick_csrf_token_is_flask_wtfs_token(app):
    with app.test_request_context("/"):
        token = signed_cookies.generate_csrf()
        assert flask_wtf.csrf.generate_csrf() == token  # the request's one token
        flask_wtf.csrf.validate_csrf(token)  # raises if Flask-WTF refused it
        assert signed_cookies.generate_csrf() == token
    with app.test_request_context("/"), pytest.raises(ValidationError):
        flask_wtf.csrf.validate_csrf(token)  # another session: its own secret


def test_a_short_payload_that_would_compress_is_still_read_back(app):
    quick = app.session_interface.get_signing_serializer(app)
    token = quick.dumps({"note": "a" * 80})  # short: left uncompressed, still valid
    plain = SecureCookieSessionInterface().get_signing_serializer(app)
    assert not token.startswith(".") and plain.loads(token) == {"note": "a" * 80}
