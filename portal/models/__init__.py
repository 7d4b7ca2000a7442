"""All models, imported here so that Alembic and ``db.create_all`` see every table."""

from portal.models.audit import AuditEntry
from portal.models.mailbox import MailboxMessage
from portal.models.outbox import MailCategory, MailPriority, OutboxMessage, OutboxStatus
from portal.models.suppression import BouncedAddress
from portal.models.tokens import AccountToken, TokenPurpose
from portal.models.users import Role, User

__all__ = [
    "AccountToken",
    "AuditEntry",
    "BouncedAddress",
    "MailCategory",
    "MailPriority",
    "MailboxMessage",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "TokenPurpose",
    "User",
]
