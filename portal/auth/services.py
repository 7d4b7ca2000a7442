"""Account changes: registration, confirmation, reset, password and email change, deletion.

Each function changes the session and leaves the commit to the view, so that the change and
the email it causes (an outbox row) land in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.auth import emails
from portal.auth.equal_work import rehearsal, stand_in_address
from portal.auth.passwords import hash_password, verify_password
from portal.auth.signals import account_deleted
from portal.auth.tokens import TokenError, TokenProblem, issue_token, redeem_token
from portal.core.text import normalise_email
from portal.extensions import db
from portal.models import Role, User
from portal.models.tokens import AccountToken, TokenPurpose
from portal.models.types import utcnow
from portal.models.users import DELETED_EMAIL_DOMAIN


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def register_reader(*, name: str, email: str, password: str) -> None:
    """Create an unconfirmed account and mail a confirmation link.

    When the address already has an account, its owner is told by email instead; the person
    registering sees the same page either way (no account enumeration), after the same work:
    both paths hash the password, and each rehearses the other's writes (``equal_work``).
    Two registrations of one address at the same moment both pass the check; the unique
    constraint on ``users.email`` then fails the second, which the view answers like the first.
    """
    password_hash = hash_password(password)
    existing = find_user_by_email(email)
    if existing is None:
        user = _add_reader(name=name, email=email, password_hash=password_hash)
        with rehearsal():
            emails.send_already_registered(user)
    else:
        emails.send_already_registered(existing)
        with rehearsal():
            _add_reader(name=name, email=stand_in_address(), password_hash=password_hash)


def _add_reader(*, name: str, email: str, password_hash: str) -> User:
    # A reader who registers is a member; clients are invited by the practice, never self-made.
    user = User(email=email, name=name, role=Role.MEMBER.value, password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    emails.send_confirmation(user, issue_token(user, TokenPurpose.CONFIRM_EMAIL))
    return user


def resend_confirmation(user: User) -> None:
    if user.email_confirmed_at is None:
        emails.send_confirmation(user, issue_token(user, TokenPurpose.CONFIRM_EMAIL))


def confirm_email(token: str) -> User:
    user = redeem_token(token, TokenPurpose.CONFIRM_EMAIL).user
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    return user


def request_password_reset(email: str) -> None:
    """Mail a one-hour reset link if the address has an active account; otherwise nothing.

    "Nothing" takes the same work (``equal_work``): the token and email are rehearsed on a
    stand-in account. The stand-in's insert is the one write a known address would not need,
    so both paths make it: the known path rehearses it alone.
    """
    user = find_user_by_email(email)
    if user is not None and not user.is_active:
        user = None
    with rehearsal():
        stand_in = User(email=stand_in_address(), name="Stand-in", role=Role.CLIENT.value)
        db.session.add(stand_in)
        db.session.flush()
        if user is None:
            _send_reset_link(stand_in)
    if user is not None:
        _send_reset_link(user)


def _send_reset_link(user: User) -> None:
    emails.send_password_reset(user, issue_token(user, TokenPurpose.RESET_PASSWORD))


def set_new_password(user: User, password: str) -> None:
    """Store a new password and end every existing session of the account."""
    user.password_hash = hash_password(password)
    user.revoke_sessions()


def reset_password(token: str, password: str) -> User:
    user = redeem_token(token, TokenPurpose.RESET_PASSWORD).user
    set_new_password(user, password)
    # Following the emailed link proves the address, as a confirmation link would.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    emails.send_password_changed_notice(user)
    return user


def accept_invitation(token: str, password: str) -> User:
    user = redeem_token(token, TokenPurpose.INVITE).user
    set_new_password(user, password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    return user


class WrongPassword(ValueError):
    """The current password given to confirm a change is wrong."""


def check_current_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise WrongPassword


def change_password(user: User, current: str, new: str) -> None:
    check_current_password(user, current)
    set_new_password(user, new)
    emails.send_password_changed_notice(user)


def request_email_change(user: User, new_email: str, current_password: str) -> None:
    """Mail a confirmation link to the new address; the change happens when it is used."""
    check_current_password(user, current_password)
    if new_email == user.email:
        return
    if find_user_by_email(new_email) is not None:
        emails.send_email_in_use_notice(user, new_email)
        return
    token = issue_token(user, TokenPurpose.CHANGE_EMAIL, new_email=new_email)
    emails.send_email_change_confirmation(user, new_email, token)


def confirm_email_change(token: str) -> User:
    redeemed = redeem_token(token, TokenPurpose.CHANGE_EMAIL)
    user, new_email = redeemed.user, redeemed.token.new_email
    if new_email is None or find_user_by_email(new_email) is not None:
        raise TokenError(TokenProblem.USED)
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    emails.send_email_changed_notice(user, old_email)
    return user


@dataclass(frozen=True)
class DeletionOutcome:
    user_id: int


def delete_account(user: User, current_password: str) -> DeletionOutcome:
    """Remove what identifies the person and close the account.

    The row stays (anonymised) so that records the practice must keep — treatment notes of
    past sessions, the audit log — still point at something; comments then show as "deleted
    user". Features clean up their own personal data through the ``account_deleted`` signal.
    """
    check_current_password(user, current_password)
    account_deleted.send(user)
    user.email = f"deleted-{user.id}@{DELETED_EMAIL_DOMAIN}"
    user.name = "Deleted user"
    user.password_hash = None
    user.email_confirmed_at = None
    user.is_active_account = False
    user.revoke_sessions()
    db.session.execute(sa.delete(AccountToken).where(AccountToken.user_id == user.id))
    return DeletionOutcome(user_id=user.id)
