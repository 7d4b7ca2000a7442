"""Inviting clients: staff create the record, the client sets a password from an email link.

A reader who already registered (a member) is not invited again: the practice's invitation
turns their account into a client account, same login and comments, and tells them so.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.auth.emails import send_invitation as send_invitation_email
from portal.auth.emails import send_now_a_client
from portal.auth.tokens import issue_token
from portal.core.text import normalise_email
from portal.extensions import db
from portal.models import Role, User
from portal.models.tokens import TokenPurpose


class EmailTaken(ValueError):
    """An account with this email already exists."""


class CannotInvite(ValueError):
    """The account is closed; the text says why, for staff."""


def send_invitation(user: User) -> None:
    """Queue an invitation email with a fresh 7-day link (caller commits).

    Issuing a new link retires the previous one, so "resend invitation" is safe. A closed
    account gets none (``CannotInvite``): a deleted one is anonymised (its address is a
    placeholder and its owner asked to leave), a switched-off one must be switched on first.
    """
    if user.is_deleted:
        raise CannotInvite("This account was deleted, so it cannot be invited again.")
    if not user.is_active_account:
        raise CannotInvite("This account is switched off: switch it on before inviting.")
    send_invitation_email(user, issue_token(user, TokenPurpose.INVITE))


def invite_user(*, email: str, name: str, role: Role = Role.CLIENT) -> User:
    """Create an account without a password and queue its invitation (caller commits)."""
    email = normalise_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(email)
    user = User(email=email, name=name.strip(), role=role.value, password_hash=None)
    db.session.add(user)
    db.session.flush()
    send_invitation(user)
    return user


def invite_client(*, email: str, name: str) -> User:
    """Staff add a client: the record exists at once, the client sets a password later."""
    return invite_or_promote_client(email=email, name=name).user


@dataclass(frozen=True)
class ClientInvitation:
    user: User
    promoted: bool  # an existing member account became a client (no new password needed)


def invite_or_promote_client(*, email: str, name: str) -> ClientInvitation:
    """Invite a new client, or make the member who owns ``email`` a client (caller commits).

    Raises ``EmailTaken`` when the address belongs to a client, staff or admin account.
    A promoted member keeps their name, password and comments; they are emailed that their
    portal is open.
    """
    email = normalise_email(email)
    existing = db.session.scalar(sa.select(User).where(User.email == email))
    if existing is not None and existing.is_member and existing.is_active:
        existing.role = Role.CLIENT.value
        send_now_a_client(existing)
        return ClientInvitation(existing, promoted=True)
    return ClientInvitation(invite_user(email=email, name=name, role=Role.CLIENT), promoted=False)
