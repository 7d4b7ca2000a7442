"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.auth import bp
from portal.auth.forms import LoginForm, NewPasswordForm
from portal.auth.passwords import hash_password, needs_rehash, verify_password
from portal.auth.tokens import TokenError, peek_token, redeem_token
from portal.extensions import db
from portal.models import User
from portal.models.tokens import TokenPurpose
from portal.models.types import utcnow


def home_for(user: User) -> str:
    """Where a person lands after signing in: the back office or the client dashboard."""
    endpoint = "staff.index" if user.is_staff else "clients.dashboard"
    if endpoint in current_app.view_functions:
        return url_for(endpoint)
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


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invite(token: str) -> str | Response:
    """An invited client chooses a password; the link is single-use and lasts 7 days."""
    try:
        invited = peek_token(token, TokenPurpose.INVITE).user
    except TokenError as error:
        return render_template("auth/token_problem.html", problem=error.problem), 400
    form = NewPasswordForm(email=invited.email)
    if form.validate_on_submit():
        try:
            user = redeem_token(token, TokenPurpose.INVITE).user
        except TokenError as error:
            db.session.rollback()
            return render_template("auth/token_problem.html", problem=error.problem), 400
        user.password_hash = hash_password(form.password.data)
        user.email_confirmed_at = user.email_confirmed_at or utcnow()
        user.revoke_sessions()
        user.last_login_at = utcnow()
        db.session.commit()
        login_user(user)
        flash("Welcome! Your password is set and you are signed in.", "success")
        return redirect(home_for(user))
    return render_template("auth/accept_invite.html", form=form, invited=invited)
