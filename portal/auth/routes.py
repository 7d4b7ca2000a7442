"""Sign in and out, register, confirm, reset a password, accept an invitation.

Links in emails open a page with a button; only the POST changes anything, so link
scanners that fetch every URL in a message cannot confirm or reset on anyone's behalf.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from portal.auth import bp, devices, services, throttle
from portal.auth.devices import remember_device
from portal.auth.forms import (
    ConfirmForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    ResetRequestForm,
)
from portal.auth.passwords import hash_password, needs_rehash, verify_password
from portal.auth.tokens import TokenError, peek_token
from portal.extensions import db
from portal.models import User
from portal.models.tokens import TokenPurpose
from portal.models.types import utcnow
from portal.web import security_log
from portal.web.token_links import register_token_route
from portal.web.urls import local_path

# The path segment after these is a one-time token: logs and the mailbox must hide it.
register_token_route("/reset-password/", "/invitation/", "/register/confirm/")


def home_for(user: User) -> str:
    """Where a person lands after signing in: the back office, the client dashboard, or
    for members (readers) the blog, falling back to their account page."""
    if user.is_staff:
        candidates = ["staff.index"]
    elif user.is_client:
        candidates = ["clients.dashboard"]
    else:
        candidates = ["blog.index", "auth.account"]
    for endpoint in candidates:
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("main.index")


def safe_next(target: str | None) -> str | None:
    """Only follow a ``next`` that stays on this site (no open redirect, no header injection)."""
    return local_path(target)


def token_problem(error: TokenError, purpose: TokenPurpose) -> tuple[str, int]:
    """The page for a link that cannot be used: what went wrong, and what to do next for
    this kind of link (sign in, ask for a new reset link, ask the practice…)."""
    db.session.rollback()
    return render_template(
        "auth/token_problem.html", problem=error.problem, purpose=purpose.value
    ), 400


@bp.route("/login", methods=["GET", "POST"])
@throttle.login_per_ip
@throttle.login_per_account
@throttle.login_per_device
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        password_ok = verify_password(user.password_hash if user else None, form.password.data)
        if user is not None and password_ok and user.is_active:
            if user.email_confirmed_at is None:
                services.resend_confirmation(user)
                db.session.commit()
                security_log.event(
                    "login_failed", user_id=user.id, warning=True, reason="email not confirmed"
                )
                form.email.errors.append(
                    "Please confirm your email address first: we have sent you a new link."
                )
                return render_template("auth/login.html", form=form)
            if needs_rehash(user.password_hash or ""):
                user.password_hash = hash_password(form.password.data)
            user.last_login_at = utcnow()
            db.session.commit()
            login_user(user, remember=form.remember.data)
            security_log.event(
                "login_succeeded",
                user_id=user.id,
                method="password",
                remember=bool(form.remember.data),
                trusted_device=devices.trusted_device() is not None,
            )
            response = redirect(safe_next(request.args.get("next")) or home_for(user))
            return remember_device(response, user)
        security_log.event(
            "login_failed",
            user_id=user.id if user is not None else None,
            warning=True,
            reason=(
                "unknown account"
                if user is None
                else "wrong password"
                if not password_ok
                else "account switched off"
            ),
        )
        form.password.errors.append("That email and password do not match an account.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        user = db.session.get(User, current_user.id)
        if user is not None:
            # Rotating the token ends this session and every other one of this account,
            # remember-me cookies included.
            user.revoke_sessions()
            db.session.commit()
            security_log.event("logout", user_id=user.id)
        logout_user()
        flash("You are signed out.", "info")
    response = redirect(url_for("main.index"))
    # ASVS 14.3.1: the browser drops what it cached or stored of the signed-in pages. Not
    # "cookies": the device cookie must outlive the session (portal/auth/devices.py).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/register", methods=["GET", "POST"])
@throttle.register_per_ip
@throttle.register_per_account
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register_reader(
                name=form.name.data, email=form.email.data, password=form.password.data
            )
            db.session.commit()
        except IntegrityError:
            # A concurrent registration of the same address won: nothing of ours is kept.
            db.session.rollback()
        # The same page whether or not the address already had an account.
        return render_template("auth/check_email.html", email=form.email.data, purpose="register")
    return render_template("auth/register.html", form=form)


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> str | Response | tuple[str, int]:
    try:
        peek_token(token, TokenPurpose.CONFIRM_EMAIL)
    except TokenError as error:
        return token_problem(error, TokenPurpose.CONFIRM_EMAIL)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = services.confirm_email(token)
        except TokenError as error:
            return token_problem(error, TokenPurpose.CONFIRM_EMAIL)
        # The link proved the address and the account has its password: sign them in,
        # as accepting an invitation does, instead of showing an empty sign-in form.
        db.session.commit()
        if not user.is_active or not login_user(user):  # an account switched off meanwhile
            flash("Your email address is confirmed.", "success")
            return redirect(url_for("auth.login"))
        user.last_login_at = utcnow()
        db.session.commit()
        security_log.event("login_succeeded", user_id=user.id, method="confirmation link")
        flash(f"Welcome, {user.name}! Your email address is confirmed.", "success")
        return redirect(home_for(user))
    return render_template(
        "auth/confirm.html",
        form=form,
        title="Confirm your email address",
        text="Press the button to confirm this address and activate your account.",
        button="Confirm my email address",
    )


@bp.route("/reset-password", methods=["GET", "POST"])
@throttle.reset_per_ip
@throttle.reset_per_account
def reset_request() -> str | Response:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/check_email.html", email=form.email.data, purpose="reset")
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    try:
        owner = peek_token(token, TokenPurpose.RESET_PASSWORD).user
    except TokenError as error:
        return token_problem(error, TokenPurpose.RESET_PASSWORD)
    form = NewPasswordForm(email=owner.email)
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except TokenError as error:
            return token_problem(error, TokenPurpose.RESET_PASSWORD)
        db.session.commit()
        security_log.event("password_reset", user_id=user.id)
        if current_user.is_authenticated:
            logout_user()
        flash("Your password is changed and every other session is signed out.", "success")
        # Following the emailed link proves the account is theirs, as signing in would: this
        # device may sign in even while strangers have locked out anonymous attempts.
        return remember_device(redirect(url_for("auth.login")), user)
    return render_template("auth/reset_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invite(token: str) -> str | Response | tuple[str, int]:
    """An invited client chooses a password; the link is single-use and lasts 7 days."""
    try:
        invited = peek_token(token, TokenPurpose.INVITE).user
    except TokenError as error:
        return token_problem(error, TokenPurpose.INVITE)
    form = NewPasswordForm(email=invited.email)
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.password.data)
        except TokenError as error:
            return token_problem(error, TokenPurpose.INVITE)
        user.last_login_at = utcnow()
        db.session.commit()
        login_user(user)
        security_log.event("login_succeeded", user_id=user.id, method="invitation link")
        flash("Welcome! Your password is set and you are signed in.", "success")
        return remember_device(redirect(home_for(user)), user)
    return render_template("auth/accept_invite.html", form=form, invited=invited)
