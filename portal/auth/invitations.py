"""Inviting clients: staff create the record, the client sets a password from an email link."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, url_for

from portal.auth.tokens import issue_token
from portal.extensions import db
from portal.mail import enqueue_email
from portal.models import Role, User
from portal.models.tokens import TokenPurpose


class EmailTaken(ValueError):
    """An account with this email already exists."""


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for emails, on ``PORTAL_BASE_URL`` (not on the request's host)."""
    return current_app.config["PORTAL_BASE_URL"] + url_for(endpoint, **values)


def send_invitation(user: User) -> None:
    """Queue an invitation email with a fresh 7-day link (caller commits)."""
    token = issue_token(user, TokenPurpose.INVITE)
    enqueue_email(
        to=user.email,
        to_name=user.name,
        subject=f"Your {current_app.config['PRACTICE_NAME']} client account",
        template="invite",
        context={"name": user.name, "link": external_url("auth.accept_invite", token=token)},
        # One invitation email per token: a resend is a new token and a new message.
        idempotency_key=f"invite:{user.id}:{token[:16]}",
    )


def invite_client(*, email: str, name: str) -> User:
    """Create a client without a password and queue their invitation (caller commits)."""
    email = email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(email)
    user = User(email=email, name=name.strip(), role=Role.CLIENT.value, password_hash=None)
    db.session.add(user)
    db.session.flush()
    send_invitation(user)
    return user
