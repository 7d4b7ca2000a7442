"""The account emails, all queued through the outbox as transactional mail."""

from __future__ import annotations

import hashlib
from datetime import datetime

from portal.core import practice
from portal.core.text import single_line
from portal.mail import enqueue_email
from portal.models import MailCategory, User
from portal.models.types import utcnow
from portal.web.templating import duration_words
from portal.web.urls import external_url


def _token_key(token: str) -> str:
    # Idempotency keys are visible to operators; a digest keeps the token itself out of them.
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def _send(
    *, to: str, name: str | None, subject: str, template: str, key: str, **context: object
) -> None:
    # The greeting is one line, whatever an older version let into the name.
    name = single_line(name) if name else name
    enqueue_email(
        to=to,
        to_name=name,
        subject=subject,
        template=template,
        context={"name": name, **context},
        idempotency_key=key,
        category=MailCategory.TRANSACTIONAL,
    )


def practice_name() -> str:
    return practice.current().name


def send_confirmation(user: User, token: str) -> None:
    _send(
        to=user.email,
        name=user.name,
        subject=f"Confirm your {practice_name()} account",
        template="confirm_email",
        key=f"confirm:{user.id}:{_token_key(token)}",
        link=external_url("auth.confirm_email", token=token),
    )


def send_already_registered(user: User) -> None:
    """Somebody tried to register an address that has an account: tell its owner, once a day."""
    _send(
        to=user.email,
        name=user.name,
        subject=f"You already have a {practice_name()} account",
        template="already_registered",
        key=f"already-registered:{user.id}:{utcnow():%Y-%m-%d}",
        login_link=external_url("auth.login"),
        reset_link=external_url("auth.reset_request"),
    )


def send_invitation(user: User, token: str) -> None:
    _send(
        to=user.email,
        name=user.name,
        subject=f"Your {practice_name()} {'client' if user.is_client else 'staff'} account",
        template="invite",
        key=f"invite:{user.id}:{_token_key(token)}",
        link=external_url("auth.accept_invite", token=token),
        role=user.role,
    )


def send_now_a_client(user: User) -> None:
    """A member became a client: their portal is open with the login they already have."""
    _send(
        to=user.email,
        name=user.name,
        subject=f"Your {practice_name()} client portal is open",
        template="now_a_client",
        key=f"now-a-client:{user.id}",
        link=external_url("auth.login"),
    )


def send_password_reset(user: User, token: str) -> None:
    _send(
        to=user.email,
        name=user.name,
        subject=f"Reset your {practice_name()} password",
        template="reset_password",
        key=f"reset:{user.id}:{_token_key(token)}",
        link=external_url("auth.reset_password", token=token),
    )


def send_email_change_confirmation(user: User, new_email: str, token: str) -> None:
    _send(
        to=new_email,
        name=user.name,
        subject=f"Confirm your new email for {practice_name()}",
        template="change_email",
        key=f"change-email:{user.id}:{_token_key(token)}",
        link=external_url("auth.confirm_email_change", token=token),
        new_email=new_email,
    )


def send_email_in_use_notice(user: User, new_email: str) -> None:
    """The new address already has an account: tell that address, reveal nothing to the asker."""
    _send(
        to=new_email,
        name=None,
        subject=f"Someone tried to use this address at {practice_name()}",
        template="email_in_use",
        key=f"email-in-use:{user.id}:{new_email}:{utcnow():%Y-%m-%d}",
        reset_link=external_url("auth.reset_request"),
    )


def send_email_changed_notice(user: User, old_email: str) -> None:
    _send(
        to=old_email,
        name=user.name,
        subject=f"Your {practice_name()} email address was changed",
        template="email_changed",
        key=f"email-changed:{user.id}:{old_email}:{utcnow().isoformat()}",
        new_email=user.email,
    )


def send_password_changed_notice(user: User) -> None:
    _send(
        to=user.email,
        name=user.name,
        subject=f"Your {practice_name()} password was changed",
        template="password_changed",
        key=f"password-changed:{user.id}:{utcnow().isoformat()}",
        reset_link=external_url("auth.reset_request"),
    )


def send_login_lockout(
    user: User, *, window_started: datetime, window_seconds: int, failures: int
) -> None:
    """Sign-ins from unknown devices stopped after many failures: tell the owner, once per
    lockout window (the key names the account and the window's start)."""
    _send(
        to=user.email,
        name=user.name,
        subject=f"Sign-ins to your {practice_name()} account were paused",
        template="login_locked",
        key=f"login-lockout:{user.id}:{window_started:%Y%m%dT%H%M%S}",
        failures=failures,
        duration=duration_words(window_seconds),
        login_link=external_url("auth.login"),
        reset_link=external_url("auth.reset_request"),
    )
