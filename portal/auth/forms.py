"""Account forms. Emails are trimmed and lower-cased before validation (``portal.web.forms``)."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, Field, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.auth.validation import MAX_PASSWORD_LENGTH, password_problem
from portal.web.forms import Form, email_field, name_field


def current_password_field(label: str = "Current password") -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


def new_password_field() -> PasswordField:
    return PasswordField(
        "New password",
        validators=[DataRequired()],
        description="At least 12 characters. A few unrelated words make a good one.",
        render_kw={"autocomplete": "new-password"},
    )


def repeat_password_field() -> PasswordField:
    return PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class NewPasswordMixin:
    """Checks a form's ``password`` field against the rules (length, common list, email)."""

    def password_owner_email(self) -> str | None:
        email = getattr(self, "email", None)
        return email.data if email is not None else getattr(self, "_email", None)

    def validate_password(self, field: Field) -> None:
        problem = password_problem(field.data or "", email=self.password_owner_email())
        if problem:
            raise ValidationError(problem)


class LoginForm(Form):
    email = email_field()
    password = current_password_field("Password")
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class RegisterForm(NewPasswordMixin, Form):
    name = name_field()
    email = email_field()
    password = new_password_field()
    confirm = repeat_password_field()
    submit = SubmitField("Create account")


class NewPasswordForm(NewPasswordMixin, Form):
    """Choosing a password from an invitation or a reset link."""

    password = new_password_field()
    confirm = repeat_password_field()
    submit = SubmitField("Save password")

    def __init__(self, *args: Any, email: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._email = email


class ResetRequestForm(Form):
    email = email_field()
    submit = SubmitField("Email me a reset link")


class ConfirmForm(Form):
    """A bare button: links in emails only show it, the POST does the change."""

    submit = SubmitField("Confirm")


class NameForm(Form):
    name = name_field()
    submit = SubmitField("Save name")


class ChangePasswordForm(NewPasswordMixin, Form):
    current_password = current_password_field()
    password = new_password_field()
    confirm = repeat_password_field()
    submit = SubmitField("Change password")

    def __init__(self, *args: Any, email: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._email = email


class ChangeEmailForm(Form):
    email = email_field("New email")
    current_password = current_password_field()
    submit = SubmitField("Send confirmation to the new address")


class DeleteAccountForm(Form):
    current_password = current_password_field()
    understood = BooleanField(
        "I understand that my account is deleted and cannot be restored",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    submit = SubmitField("Delete my account")


class SignOutEverywhereForm(Form):
    submit = SubmitField("Sign out on every device")
