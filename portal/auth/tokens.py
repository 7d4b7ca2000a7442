"""Issuing and redeeming one-time account tokens.

Tokens are random (256 bits), stored hashed, expire (reset: 1 hour, invitation: 7 days),
and are single-use: redeeming marks them used in the same transaction as the change they
authorise. Issuing a new token of a purpose retires the older ones of that purpose.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import sqlalchemy as sa

from portal.core.database import rowcount
from portal.extensions import db
from portal.models import User
from portal.models.tokens import AccountToken, TokenPurpose
from portal.models.types import utcnow

LIFETIMES = {
    TokenPurpose.CONFIRM_EMAIL: timedelta(days=2),
    TokenPurpose.INVITE: timedelta(days=7),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.CHANGE_EMAIL: timedelta(days=2),
}


class TokenProblem(StrEnum):
    """Why a token was refused; each has its own page text."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


@dataclass
class Redeemed:
    user: User
    token: AccountToken


class TokenError(Exception):
    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, purpose: TokenPurpose, *, new_email: str | None = None) -> str:
    """Create a token for ``user`` (caller commits) and return its secret value."""
    now = utcnow()
    db.session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose.value,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
            new_email=new_email,
        )
    )
    return token


def peek_token(token: str, purpose: TokenPurpose) -> Redeemed:
    """Check a token without using it up (to show the form it unlocks)."""
    row = db.session.scalar(
        sa.select(AccountToken).where(
            AccountToken.token_hash == _digest(token), AccountToken.purpose == purpose.value
        )
    )
    if row is None:
        raise TokenError(TokenProblem.UNKNOWN)
    if row.used_at is not None:
        raise TokenError(TokenProblem.USED)
    if row.expires_at <= utcnow():
        raise TokenError(TokenProblem.EXPIRED)
    user = db.session.get(User, row.user_id)
    if user is None:
        raise TokenError(TokenProblem.UNKNOWN)
    return Redeemed(user=user, token=row)


def redeem_token(token: str, purpose: TokenPurpose) -> Redeemed:
    """Check a token and mark it used (caller commits with the change it authorises).

    The update is conditional on ``used_at IS NULL``, so of two concurrent redemptions only
    one succeeds.
    """
    redeemed = peek_token(token, purpose)
    result = db.session.execute(
        sa.update(AccountToken)
        .where(AccountToken.id == redeemed.token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if rowcount(result) != 1:
        raise TokenError(TokenProblem.USED)
    return redeemed
