"""One daily budget for the emails that requests from anybody can send to one address.

Subscribing to the newsletter, asking for reply notifications, registering, asking for a
password reset and failing to sign in all make the site email an address that the person
asking types. Each feature limits its own requests, but an attacker with a few IP
addresses and a victim's address could still have every feature mail the victim all day.
So every such email (``enqueue_email(..., anonymous=True)``) spends from one budget per
address and UTC day, ``MAIL_ANONYMOUS_PER_ADDRESS_PER_DAY`` (3) across all of them.

The count lives in the database (``mail_budgets``), one upsert per email that returns the
new count: concurrent requests in any number of web processes each see their own number,
on SQLite and PostgreSQL alike, and the count commits or rolls back with the request that
caused it (a rehearsal, ``portal.auth.equal_work``, spends nothing). Once the budget is
spent, the email is still written to the outbox, as ``suppressed`` with ``BUDGET_SPENT``:
the request gets the same answer after the same work, and the mail log shows why no email
came.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from portal.core.database import is_sqlite
from portal.core.text import normalise_email
from portal.extensions import db
from portal.models.mail_budget import MailBudget
from portal.models.types import table_of, utcnow

BUDGET_SPENT = (
    "not sent: the daily budget of emails that visitors may cause to this address is spent"
)

budgets = table_of(MailBudget)


def spend(address: str, now: datetime | None = None) -> bool:
    """Count one email to ``address`` today; True while the count is within the budget."""
    day = (now or utcnow()).date()
    insert = sqlite.insert if is_sqlite(db.session.get_bind()) else postgresql.insert
    statement = insert(budgets).values(address=normalise_email(address), day=day, asked=1)
    counted = statement.on_conflict_do_update(
        index_elements=[budgets.c.address, budgets.c.day],
        set_={"asked": budgets.c.asked + 1},
    ).returning(budgets.c.asked)
    asked = db.session.execute(counted).scalar_one()
    return asked <= current_app.config["MAIL_ANONYMOUS_PER_ADDRESS_PER_DAY"]


def asked_today(address: str, now: datetime | None = None) -> int:
    """How many emails to ``address`` visitors asked for today (for tests and staff)."""
    day = (now or utcnow()).date()
    found = db.session.scalar(
        sa.select(budgets.c.asked).where(
            budgets.c.address == normalise_email(address), budgets.c.day == day
        )
    )
    return found or 0
