"""One-time account tokens: email confirmation, invitation, password reset, email change.

Only a SHA-256 of the token is stored, so a database leak or a log line cannot be replayed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow


class TokenPurpose(StrEnum):
    CONFIRM_EMAIL = "confirm_email"
    INVITE = "invite"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a password)
    CHANGE_EMAIL = "change_email"


class AccountToken(Model):
    __tablename__ = "account_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: so.Mapped[str] = so.mapped_column(sa.String(20))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # For CHANGE_EMAIL: the address that becomes the account's once confirmed.
    new_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
