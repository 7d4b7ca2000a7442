"""The audit log: who (staff) looked at or changed which client's records, when, from where.

Rows are only ever inserted; no view or service updates or deletes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow


class AuditEntry(Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        sa.Index("ix_audit_entries_subject_created", "subject_user_id", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Plain ids rather than foreign keys: the log must outlive the accounts it mentions.
    actor_user_id: so.Mapped[int | None] = so.mapped_column(index=True)
    actor_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    subject_user_id: so.Mapped[int | None] = so.mapped_column()
    action: so.Mapped[str] = so.mapped_column(sa.String(64))
    target_type: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    target_id: so.Mapped[int | None] = so.mapped_column()
    detail: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    ip_address: so.Mapped[str | None] = so.mapped_column(sa.String(45))


@sa.event.listens_for(so.Session, "before_flush")
def _audit_entries_are_append_only(session: so.Session, _context: Any, _instances: Any) -> None:
    """Refuse any update or delete of an audit entry made through the ORM."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("audit entries cannot be changed or deleted")
