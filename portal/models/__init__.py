"""All models, imported here so that Alembic and ``db.create_all`` see every table."""

from portal.models.audit import AuditEntry
from portal.models.outbox import MailCategory, OutboxMessage, OutboxStatus
from portal.models.tokens import AccountToken, TokenPurpose
from portal.models.users import Role, User

__all__ = [
    "AccountToken",
    "AuditEntry",
    "MailCategory",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "TokenPurpose",
    "User",
]
