"""Flask-Login wiring: users are loaded by their revocable session token, not their id.

The statement that loads the signed-in person also reads the render versions of their own
pages (``portal.core.render_cache.own_scopes``: their records, what every page shows, their
subscription): a client's cached page then needs no second round trip, and the versions are
still read before anything they cover.

Sessions also end on their own (ASVS 7.3.1, 7.3.2): after ``SESSION_IDLE_MINUTES`` without a
request, and ``SESSION_MAX_HOURS`` after the sign-in that started them, whatever the activity.
The session cookie carries when the sign-in happened and when the last request came (signed
with the rest of the session, so a client cannot move them). An ended session is dropped
from this browser only (other devices keep theirs); a "keep me signed in" cookie, if the
person chose it, then starts a new session, as it does after the browser is closed.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, session
from flask_login import user_loaded_from_cookie, user_logged_in, user_logged_out
from flask_wtf.csrf import generate_csrf

from portal.core.render_cache import own_versions_columns
from portal.extensions import db, login_manager
from portal.models import User
from portal.models.types import table_of
from portal.web import security_log

SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"
SEEN_EVERY_SECONDS = 60  # the last-request time is rewritten at most this often
_FLASK_LOGIN_KEYS = ("_user_id", "_fresh", "_id")


def now() -> int:
    """Seconds since the epoch (tests move it)."""
    return int(time.time())


def configure_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    # "strong" would log people out whenever their IP changes (phones do, constantly);
    # revocation is handled by the session token instead.
    login_manager.session_protection = "basic"
    app.before_request(end_expired_session)
    user_logged_in.connect(_session_started, app)
    user_loaded_from_cookie.connect(_session_restored, app)
    user_logged_out.connect(_session_ended, app)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """The signed-in person, read with the render versions of their own pages in the same
    statement (one round trip on every signed-in request)."""
    if not session_token:
        return None
    row = db.session.execute(_load_statement(), {"token": session_token}).first()
    if row is None:
        return None
    user: User = row[0]
    g.own_versions = (user.id, tuple(int(version or 0) for version in row[1:]))
    return user


@cache
def _load_statement() -> sa.Select[Any]:
    """Built at the first sign-in check, once every feature has registered its scopes."""
    return sa.select(User, *own_versions_columns(table_of(User))).where(
        User.session_token == sa.bindparam("token"), User.is_active_account
    )


def _stamp() -> None:
    """At sign-in: the session's clock starts, and it gets its CSRF secret now (a signed-in
    person's forms carry a token, ``portal.web.cross_origin``), with the cookie the sign-in
    sends anyway, rather than with a second cookie on their first page."""
    session[SIGNED_IN_AT] = session[SEEN_AT] = now()
    generate_csrf()


def _session_started(_app: Flask, user: User, **_extra: Any) -> None:
    _stamp()


def _session_restored(_app: Flask, user: User, **_extra: Any) -> None:
    _stamp()
    security_log.event("login_succeeded", user_id=user.id, method="remember-me cookie")


def _session_ended(_app: Flask, user: User, **_extra: Any) -> None:
    session.pop(SIGNED_IN_AT, None)
    session.pop(SEEN_AT, None)


def expiry_reason(signed_in_at: object, seen_at: object, at: int) -> str | None:
    """Why a session with these times has ended at ``at``, or None if it has not."""
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return None
    idle = int(current_app.config.get("SESSION_IDLE_MINUTES") or 0) * 60
    longest = int(current_app.config.get("SESSION_MAX_HOURS") or 0) * 3600
    if idle and at - seen_at > idle:
        return "inactivity"
    if longest and at - signed_in_at > longest:
        return "maximum lifetime"
    return None


def end_expired_session() -> None:
    """Before every request: drop this browser's sign-in if its session has run out.

    Runs before anything asks for ``current_user``, so Flask-Login then loads from what
    is left: nobody, or the person of a "keep me signed in" cookie."""
    if "_user_id" not in session:
        return
    at = now()
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        _stamp()  # a session from before these limits: its clock starts now
        return
    reason = expiry_reason(signed_in_at, seen_at, at)
    if reason is None:
        if at - seen_at >= SEEN_EVERY_SECONDS:
            session[SEEN_AT] = at
        return
    for key in (*_FLASK_LOGIN_KEYS, SIGNED_IN_AT, SEEN_AT):
        session.pop(key, None)
    security_log.event("session_expired", reason=reason)
