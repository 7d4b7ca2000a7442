"""Signed values checked and made once per process, not on every request.

Every request of a signed-in person verifies the session cookie (HMAC, base64, zlib, the
tagged JSON) and signs the CSRF token again for each form on the page; a cached page costs
little else, so these were about a sixth of its time (measured, docs/portal.md). Both are
pure functions of their input and the secret key, so each process keeps their results:

- ``MemoizedSessionInterface``: the session read from a cookie string is kept per (secret
  key, cookie); its age is still checked on every request against the session lifetime,
  exactly as a fresh verification would. Only sessions holding immutable values are kept
  (a list, such as pending flash messages, is changed in place and is never shared).
- the CSRF token: Flask-WTF signs the session's CSRF secret (with a timestamp) at the first
  form of each request. A token signed less than ``CSRF_REUSE_SECONDS`` ago for the same
  secret and key is handed to the request instead: the same token Flask-WTF accepts (it
  would be older by at most that much, were ``WTF_CSRF_TIME_LIMIT`` set; here the token
  lives as long as the session).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from contextlib import suppress
from typing import Any

from flask import Flask, Request, Response, current_app, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_ENTRIES = 4096
CSRF_ENTRIES = 4096
CSRF_REUSE_SECONDS = 60
FIELD = "csrf_token"  # WTF_CSRF_FIELD_NAME: the session key and the attribute of g


class _Bounded(OrderedDict[Any, Any]):
    """Least recently used goes first once ``limit`` entries are kept."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, key: Any, value: Any) -> None:
        self[key] = value
        while len(self) > self.limit:
            with suppress(KeyError):  # emptied meanwhile by another thread
                self.popitem(last=False)


def _immutable(data: dict[str, Any]) -> bool:
    return not any(isinstance(value, list | dict | set) for value in data.values())


class MemoizedSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._verified = _Bounded(SESSION_ENTRIES)
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """One serializer per set of keys, not a new one for every request."""
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        found = self._serializers.get(keys, False)
        if found is False:
            found = self._serializers[keys] = super().get_signing_serializer(app)
        return found  # type: ignore[return-value]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, value)
        found = self._verified.get(key)
        if found is not None and 0 <= time.time() - found[1] <= max_age:
            with suppress(KeyError):  # another thread may just have dropped it
                self._verified.move_to_end(key)
            return self.session_class(found[0])
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and _immutable(data):
            self._verified.keep(key, (dict(data), signed_at.timestamp()))
        return self.session_class(data)


def _csrf_key() -> tuple[Any, str] | None:
    raw = session.get(FIELD)
    if not isinstance(raw, str):
        return None
    return (current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw)


def _before_request() -> None:
    """Hand this request a recently signed CSRF token for its session's secret, if any."""
    key = _csrf_key()
    found = _csrf_tokens.get(key) if key is not None else None
    if found is not None and time.monotonic() - found[1] < CSRF_REUSE_SECONDS:
        setattr(g, FIELD, found[0])


def _after_request(response: Response) -> Response:
    """Keep the token this request signed (none was fresh enough to reuse)."""
    token = g.get(FIELD)
    key = _csrf_key() if token is not None else None
    if key is not None:
        found = _csrf_tokens.get(key)
        if found is None or found[0] != token:
            _csrf_tokens.keep(key, (token, time.monotonic()))
    return response


_csrf_tokens = _Bounded(CSRF_ENTRIES)


def init_app(app: Flask) -> None:
    app.session_interface = MemoizedSessionInterface()
    app.before_request(_before_request)
    app.after_request(_after_request)
