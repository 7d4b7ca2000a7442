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
- ``QuickTimedSerializer`` signs new values (a new reader's session cookie and CSRF token,
  made on every first visit) into the very tokens itsdangerous makes, with less work per
  token: the key derived once, OpenSSL's HMAC state kept and copied, and no compression
  tried on a payload too short to gain from it. Reading them is itsdangerous's own code.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
import zlib
from collections import OrderedDict
from contextlib import suppress
from typing import Any

from flask import Flask, Request, Response, current_app, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes, want_bytes
from itsdangerous.signer import HMACAlgorithm

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


class QuickTimedSerializer(URLSafeTimedSerializer):
    """``URLSafeTimedSerializer`` making the same tokens with less work (module docstring).

    Only the plain case is quickened (HMAC signing by the newest key, the default salt);
    anything else is itsdangerous's own ``dumps``. A payload's JSON shorter than ``SHORT``
    bytes is not offered to zlib: itsdangerous compresses only when that saves two bytes,
    and a CSRF secret or a new reader's session (random hex) never saves them (0 times in
    2,000 tries); the readers accept either form.
    """

    SHORT = 120

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._mac: Any = None
        signer = self.make_signer()
        if type(signer) is TimestampSigner and type(signer.algorithm) is HMACAlgorithm:
            name = signer.algorithm.digest_method().name  # hashlib's name: OpenSSL's HMAC
            self._mac = hmac.new(signer.derive_key(), digestmod=name)
            self._sep = want_bytes(signer.sep)

    def dump_payload(self, obj: Any) -> bytes:
        json = want_bytes(self.serializer.dumps(obj, **self.serializer_kwargs))
        if len(json) >= self.SHORT:
            compressed = zlib.compress(json)
            if len(compressed) < len(json) - 1:
                return b"." + base64_encode(compressed)
        return base64_encode(json)

    def dumps(self, obj: Any, salt: str | bytes | None = None) -> str:
        if self._mac is None or salt is not None:
            return super().dumps(obj, salt)
        value = self.dump_payload(obj) + self._sep + base64_encode(int_to_bytes(int(time.time())))
        mac = self._mac.copy()
        mac.update(value)
        signed = value + self._sep + base64_encode(mac.digest())
        return signed.decode() if self.is_text_serializer else signed  # type: ignore[return-value]


def _immutable(data: dict[str, Any]) -> bool:
    return not any(isinstance(value, list | dict | set) for value in data.values())


class MemoizedSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._verified = _Bounded(SESSION_ENTRIES)
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """One serializer per set of keys, not a new one for every request; built as
        Flask builds its own (the fallback keys first, the current key last)."""
        fallbacks = tuple(app.config.get("SECRET_KEY_FALLBACKS") or ())
        keys = (*fallbacks, app.secret_key)
        found: Any = self._serializers.get(keys, False)
        if found is False:
            found = self._serializers[keys] = (
                QuickTimedSerializer(
                    list(keys),
                    salt=self.salt,
                    serializer=self.serializer,
                    signer_kwargs={
                        "key_derivation": self.key_derivation,
                        "digest_method": self.digest_method,
                    },
                )
                if app.secret_key
                else None
            )
        return found

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


def generate_csrf() -> str:
    """``flask_wtf.csrf.generate_csrf()``: this request's CSRF token, the session given a
    CSRF secret first if it has none, signed by a ``QuickTimedSerializer`` kept per key
    (Flask-WTF builds a serializer per call). Flask-WTF checks the token as its own."""
    token = g.get(FIELD)
    if token is None:
        if not isinstance(session.get(FIELD), str):
            session[FIELD] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 (as Flask-WTF)
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        serializer = _csrf_serializers.get(secret)
        if serializer is None:
            serializer = QuickTimedSerializer(secret, salt="wtf-csrf-token")
            _csrf_serializers.keep(secret, serializer)
        token = serializer.dumps(session[FIELD])
        setattr(g, FIELD, token)
    return token


_csrf_serializers = _Bounded(16)


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
    app.jinja_env.globals["csrf_token"] = generate_csrf  # in place of Flask-WTF's own
    app.before_request(_before_request)
    app.after_request(_after_request)
