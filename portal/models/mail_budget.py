"""How many emails requests from anybody asked for, per address and day."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model


class MailBudget(Model):
    """Emails to ``address`` that anonymous requests asked for on ``day`` (UTC).

    One row per address and day, counted by an upsert so concurrent requests in any number
    of web processes each get their own count (``portal.mail.budget``). Rows of past days
    serve nothing and are deleted by the retention job.
    """

    __tablename__ = "mail_budgets"

    address: so.Mapped[str] = so.mapped_column(sa.String(254), primary_key=True)
    day: so.Mapped[date] = so.mapped_column(sa.Date, primary_key=True)
    asked: so.Mapped[int] = so.mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<MailBudget {self.address} {self.day} {self.asked}>"
