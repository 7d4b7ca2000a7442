"""Flask-Login wiring: users are loaded by their revocable session token, not their id."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from portal.extensions import db, login_manager
from portal.models import User


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
    return db.session.scalar(
        sa.select(User).where(User.session_token == session_token, User.is_active_account)
    )
