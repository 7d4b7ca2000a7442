"""The account page: name, password, email, sessions, personal data, deletion."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from portal.auth import bp, services
from portal.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    NameForm,
    SignOutEverywhereForm,
)
from portal.auth.personal_data import collect_personal_data
from portal.auth.routes import token_problem
from portal.auth.tokens import TokenError, peek_token
from portal.core.text import clean_text
from portal.extensions import db
from portal.models.tokens import TokenPurpose
from portal.models.types import utcnow
from portal.web import security_log
from portal.web.token_links import register_token_route

register_token_route("/account/email/confirm/")  # a one-time token follows


def account_forms(**replacements: Any) -> dict[str, Any]:
    """Every form of the account page; the one that was just submitted replaces its blank."""
    forms: dict[str, Any] = {
        "name_form": NameForm(prefix="name", data={"name": current_user.name}, formdata=None),
        "password_form": ChangePasswordForm(prefix="pw", formdata=None),
        "email_form": ChangeEmailForm(prefix="em", formdata=None),
        "sessions_form": SignOutEverywhereForm(prefix="so", formdata=None),
        "delete_form": DeleteAccountForm(prefix="del", formdata=None),
    }
    forms.update(replacements)
    return forms


def render_account(status: int = 200, **replacements: Any) -> tuple[str, int]:
    return render_template("auth/account.html", **account_forms(**replacements)), status


@bp.route("/account")
@login_required
def account() -> tuple[str, int]:
    return render_account()


@bp.post("/account/name")
@login_required
def change_name() -> BaseResponse | tuple[str, int]:
    form = NameForm(prefix="name")
    if not form.validate_on_submit():
        return render_account(422, name_form=form)
    current_user.name = form.name.data
    db.session.commit()
    flash("Your name is saved.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/password")
@login_required
def change_password() -> BaseResponse | tuple[str, int]:
    form = ChangePasswordForm(prefix="pw", email=current_user.email)
    if not form.validate_on_submit():
        return render_account(422, password_form=form)
    try:
        services.change_password(current_user, form.current_password.data, form.password.data)
    except services.WrongPassword:
        security_log.event(
            "reauthentication_failed", user_id=current_user.id, warning=True, action="password"
        )
        form.current_password.errors.append("That is not your current password.")
        return render_account(422, password_form=form)
    db.session.commit()
    security_log.event("password_changed", user_id=current_user.id)
    # The token changed: every other device is signed out; this one signs in again.
    login_user(current_user)
    flash("Your password is changed. Other devices have been signed out.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/email")
@login_required
def change_email() -> BaseResponse | tuple[str, int]:
    form = ChangeEmailForm(prefix="em")
    if not form.validate_on_submit():
        return render_account(422, email_form=form)
    try:
        services.request_email_change(current_user, form.email.data, form.current_password.data)
    except services.WrongPassword:
        security_log.event(
            "reauthentication_failed", user_id=current_user.id, warning=True, action="email"
        )
        form.current_password.errors.append("That is not your current password.")
        return render_account(422, email_form=form)
    db.session.commit()
    security_log.event("email_change_requested", user_id=current_user.id)
    flash(
        f"We have sent a confirmation link to {form.email.data}. Your address changes when "
        "you use it.",
        "info",
    )
    return redirect(url_for("auth.account"))


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str) -> str | BaseResponse | tuple[str, int]:
    try:
        pending = peek_token(token, TokenPurpose.CHANGE_EMAIL)
    except TokenError as error:
        return token_problem(error, TokenPurpose.CHANGE_EMAIL)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.confirm_email_change(token)
        except TokenError as error:
            return token_problem(error, TokenPurpose.CHANGE_EMAIL)
        db.session.commit()
        flash("Your email address is changed.", "success")
        return redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"))
    return render_template(
        "auth/confirm.html",
        form=form,
        title="Confirm your new email address",
        text=f"Press the button to make {pending.token.new_email} your account's address.",
        button="Use this address",
    )


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> BaseResponse | tuple[str, int]:
    form = SignOutEverywhereForm(prefix="so")
    if not form.validate_on_submit():
        return render_account(400)
    current_user.revoke_sessions()
    db.session.commit()
    security_log.event("sessions_revoked", user_id=current_user.id)
    logout_user()
    flash("You are signed out on every device, this one included.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/account/data.json")
@login_required
def download_data() -> Response:
    """Everything the portal holds about the signed-in person, as JSON (GDPR art. 15/20)."""
    data = _without_control_characters(collect_personal_data(current_user))
    body = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    filename = f"massage-works-data-{utcnow():%Y%m%d}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _without_control_characters(value: Any) -> Any:
    """Every string of the export without NUL and other control characters (tab and line
    breaks stay): older versions stored them on SQLite, and they are nothing anyone typed."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: _without_control_characters(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_control_characters(item) for item in value]
    return value


@bp.post("/account/delete")
@login_required
def delete_account() -> BaseResponse | tuple[str, int]:
    form = DeleteAccountForm(prefix="del")
    if not form.validate_on_submit():
        return render_account(422, delete_form=form)
    try:
        services.delete_account(current_user, form.current_password.data)
    except services.WrongPassword:
        form.current_password.errors.append("That is not your current password.")
        return render_account(422, delete_form=form)
    db.session.commit()
    logout_user()
    flash("Your account is deleted. Thank you for having been with us.", "info")
    return redirect(url_for("main.index"))
