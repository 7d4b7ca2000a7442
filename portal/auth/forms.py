"""Account forms. Emails are trimmed and lower-cased before validation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from portal.auth.validation import MAX_PASSWORD_LENGTH, password_problem


def normalise_email(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def email_field(label: str = "Email") -> EmailField:
    return EmailField(
        label,
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        filters=[normalise_email],
        render_kw={"autocomplete": "email"},
    )


def name_field() -> StringField:
    return StringField(
        "Name",
        validators=[DataRequired(), Length(max=120)],
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )


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

    def validate_password(self, field) -> None:  # type: ignore[no-untyped-def]
        problem = password_problem(field.data or "", email=self.password_owner_email())
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = email_field()
    password = current_password_field("Password")
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class RegisterForm(NewPasswordMixin, FlaskForm):
    name = name_field()
    email = email_field()
    password = new_password_field()
    confirm = repeat_password_field()
    submit = SubmitField("Create account")


class NewPasswordForm(NewPasswordMixin, FlaskForm):
    """Choosing a password from an invitation or a reset link."""

    password = new_password_field()
    confirm = repeat_password_field()
    submit = SubmitField("Save password")

    def __init__(self, *args, email: str | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._email = email


class ResetRequestForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Email me a reset link")


class ConfirmForm(FlaskForm):
    """A bare button: links in emails only show it, the POST does the change."""

    submit = SubmitField("Confirm")


class NameForm(FlaskForm):
    name = name_field()
    submit = SubmitField("Save name")


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = current_password_field()
    password = new_password_field()
    confirm = repeat_password_field()
    submit = SubmitField("Change password")

    def __init__(self, *args, email: str | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._email = email


class ChangeEmailForm(FlaskForm):
    email = email_field("New email")
    current_password = current_password_field()
    submit = SubmitField("Send confirmation to the new address")


class DeleteAccountForm(FlaskForm):
    current_password = current_password_field()
    understood = BooleanField(
        "I understand that my account is deleted and cannot be restored",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    submit = SubmitField("Delete my account")


class SignOutEverywhereForm(FlaskForm):
    submit = SubmitField("Sign out on every device")
