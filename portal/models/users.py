"""People who sign in: clients, therapists (staff) and administrators."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow

# A deleted account keeps its row, anonymised, with an address in this reserved domain.
DELETED_EMAIL_DOMAIN = "deleted.invalid"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class Role(StrEnum):
    MEMBER = "member"  # a reader who registered: comments, newsletter, account page
    CLIENT = "client"  # invited by the practice: the client portal
    STAFF = "staff"
    ADMIN = "admin"


class User(UserMixin, Model):
    """An account. Clients often exist before they have a password (staff invite them);
    members register themselves and become clients when the practice invites them.

    ``session_token`` is what Flask-Login stores in the cookie instead of the id: replacing
    it ends every session and remember-me cookie of this user at once (logout everywhere,
    password change).
    """

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('member', 'client', 'staff', 'admin')", name="role_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default=Role.CLIENT.value)
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    session_token: so.Mapped[str] = so.mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    email_confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    is_active_account: so.Mapped[bool] = so.mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    @property
    def is_deleted(self) -> bool:
        """Closed by its owner and anonymised (not merely switched off by an admin)."""
        return self.email.endswith("@" + DELETED_EMAIL_DOMAIN)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_member(self) -> bool:
        return self.role == Role.MEMBER

    def revoke_sessions(self) -> None:
        """End every session of this user, on every device, remember-me cookies included."""
        self.session_token = new_session_token()
