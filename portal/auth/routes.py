"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.auth import bp
from portal.auth.forms import LoginForm
from portal.auth.passwords import hash_password, needs_rehash, verify_password
from portal.extensions import db
from portal.models import User
from portal.models.types import utcnow


def home_for(user: User) -> str:
    """Where a person lands after signing in."""
    if user.is_staff:
        return url_for("main.index")
    return url_for("main.index")


def safe_next(target: str | None) -> str | None:
    """Only follow a ``next`` that stays on this site (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(User.email == form.email.data))
        password_ok = verify_password(user.password_hash if user else None, form.password.data)
        if user is not None and password_ok and user.is_active:
            if needs_rehash(user.password_hash or ""):
                user.password_hash = hash_password(form.password.data)
            user.last_login_at = utcnow()
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or home_for(user))
        form.password.errors.append("That email and password do not match an account.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        user = db.session.get(User, current_user.id)
        if user is not None:
            # Rotating the token ends this session and any remember-me cookie everywhere.
            user.revoke_sessions()
            db.session.commit()
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("main.index"))
