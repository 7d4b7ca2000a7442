"""Flask-Login wiring: users are loaded by their revocable session token, not their id.

The statement that loads the signed-in person also reads the render versions of their own
pages (``portal.render_cache.own_scopes``: their records, what every page shows, their
subscription): a client's cached page then needs no second round trip, and the versions are
still read before anything they cover.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import Flask, g

from portal.extensions import db, login_manager
from portal.models import User
from portal.models.types import table_of
from portal.render_cache import own_versions_columns


def configure_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    # "strong" would log people out whenever their IP changes (phones do, constantly);
    # revocation is handled by the session token instead.
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
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
