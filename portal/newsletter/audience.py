"""Queueing newsletter mail for many subscribers at once: set-based SQL, one statement.

``INSERT INTO outbox (…) SELECT … FROM newsletter_subscribers WHERE <audience>
ON CONFLICT (idempotency_key) DO NOTHING``: no row of the audience passes through Python,
so queueing 100,000 messages costs about what copying 100,000 rows costs (``make bench``),
the web process's memory does not grow with the list, and running it twice queues nothing
new (the idempotency key names campaign and subscriber).

Each row gets what ``enqueue_email`` would give it: a unique Message-ID (made in SQL from a
per-mailing random nonce and the subscriber's id), the list headers (the subscriber's own
``List-Unsubscribe`` URL is filled in at send time, see ``portal.newsletter.personalise``)
and a small JSON context built in SQL (``json_object`` on SQLite, ``json_build_object`` on
PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from portal.core.database import is_sqlite, rowcount
from portal.extensions import db
from portal.mail.compose import Sender, check_extra_headers
from portal.mail.queue import request_delivery_after_commit
from portal.mail.render import check_templates_exist
from portal.models import (
    BouncedAddress,
    MailCategory,
    MailPriority,
    OutboxMessage,
    OutboxStatus,
    Subscriber,
    SubscriberStatus,
)
from portal.models.types import UTCDateTime, table_of, utcnow
from portal.web.request_log import current_request_id

outbox = table_of(OutboxMessage)


# A value of a row being queued: an SQL expression, or a model's column attribute.
SqlValue = ColumnElement[Any] | QueryableAttribute[Any]


class json_object(FunctionElement):  # noqa: N801 (an SQL function)
    """A JSON object from key/value pairs, on SQLite and PostgreSQL."""

    type = sa.JSON()
    inherit_cache = True


@compiles(json_object, "sqlite")
def _json_object_sqlite(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "postgresql")
def _json_object_postgresql(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


class date_plus_days(FunctionElement):  # noqa: N801
    """``a_date + days`` (both may be columns), as a date, on SQLite and PostgreSQL."""

    type = sa.Date()
    inherit_cache = True


@compiles(date_plus_days, "sqlite")
def _date_plus_days_sqlite(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    day, days = list(element.clauses)
    return (
        f"date({compiler.process(day, **kw)}, printf('%+d days', {compiler.process(days, **kw)}))"
    )


@compiles(date_plus_days, "postgresql")
def _date_plus_days_postgresql(
    element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any
) -> str:
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} + {compiler.process(days, **kw)})"


def key(text: str) -> ColumnElement[Any]:
    """A constant JSON key or value, typed so PostgreSQL's ``json_build_object`` knows it."""
    return sa.cast(sa.literal(text), sa.Text)


def json_pairs(values: Mapping[str, SqlValue | str | int]) -> json_object:
    clauses: list[SqlValue] = []
    for name, value in values.items():
        clauses.append(key(name))
        if isinstance(value, str):
            clauses.append(key(value))
        elif isinstance(value, int):
            clauses.append(sa.cast(sa.literal(value), sa.Integer))
        else:
            clauses.append(value)
    return json_object(*clauses)


def reachable(today: date) -> list[ColumnElement[bool]]:
    """Confirmed, not paused, not suppressed: who may get newsletter mail today.

    Suppressed addresses (hard failures at ``MAIL_SUPPRESS_AFTER_HARD_FAILURES``) are left
    out here already; the pipeline would also suppress their rows when sending.
    """
    threshold = current_app.config["MAIL_SUPPRESS_AFTER_HARD_FAILURES"]
    # NOT IN an uncorrelated subquery: the database collects the (few) suppressed addresses
    # once, where NOT EXISTS would probe the table once per subscriber (a third of the cost
    # of queueing a campaign on SQLite).
    suppressed = sa.select(BouncedAddress.address).where(BouncedAddress.hard_failures >= threshold)
    return [
        Subscriber.status == SubscriberStatus.CONFIRMED.value,
        sa.or_(Subscriber.paused_until.is_(None), Subscriber.paused_until < today),
        Subscriber.email.not_in(suppressed),
    ]


def message_id(nonce: str, *ids: SqlValue) -> ColumnElement[str]:
    """``<nonce.id…@sender-domain>``: unique per row, chosen at enqueue like any Message-ID."""
    domain = Sender.parse(current_app.config["MAIL_DEFAULT_SENDER"]).domain
    value: ColumnElement[str] = sa.literal(f"<{nonce}")
    for ident in ids:
        value = value + sa.literal(".") + sa.cast(ident, sa.String)
    return value + sa.literal(f"@{domain}>")


def queue_rows(
    *,
    source: sa.Select[Any],
    idempotency_key: SqlValue,
    to_address: SqlValue,
    to_name: SqlValue,
    subject: SqlValue | str,
    template: str,
    context: SqlValue,
    headers: Mapping[str, str],
    message_id: SqlValue,
    mailing: str | None,
    now: datetime | None = None,
) -> int:
    """``INSERT INTO outbox … SELECT`` the rows ``source`` yields (``ON CONFLICT DO NOTHING``).

    ``source`` is a SELECT whose WHERE names the audience; the column expressions are
    evaluated per row in the database. Runs in the session's transaction (the caller
    commits); returns how many rows were added, and asks a worker to deliver after commit.
    """
    check_templates_exist(current_app, template)
    now = now or utcnow()
    subject_column = sa.literal(subject) if isinstance(subject, str) else subject
    columns: dict[str, SqlValue] = {
        "idempotency_key": idempotency_key,
        "category": sa.literal(MailCategory.NEWSLETTER.value),
        "priority": sa.literal(MailPriority.NEWSLETTER.value, sa.SmallInteger),
        "to_address": to_address,
        "to_name": to_name,
        "subject": subject_column,
        "template": sa.literal(template),
        "context": context,
        "headers": sa.literal(check_extra_headers(headers), sa.JSON),
        "status": sa.literal(OutboxStatus.PENDING.value),
        "attempts": sa.literal(0, sa.Integer),
        "next_attempt_at": sa.literal(now, UTCDateTime()),
        "message_id": message_id,
        "created_at": sa.literal(now, UTCDateTime()),
        "mailing": sa.literal(mailing, sa.String),
        "request_id": sa.literal(current_request_id(), sa.String),
    }
    select = source.with_only_columns(*(value.label(name) for name, value in columns.items()))
    insert = (sqlite.insert if is_sqlite() else postgresql.insert)(outbox)
    statement = insert.from_select(
        list(columns), select, include_defaults=False
    ).on_conflict_do_nothing(index_elements=[outbox.c.idempotency_key])
    added = rowcount(db.session.execute(statement, execution_options={"preserve_rowcount": True}))
    if added:
        request_delivery_after_commit(db.session)
    return added


def insert_ignoring_duplicates(
    table: sa.Table,
    values: Sequence[str],
    select: sa.Select[*tuple[Any, ...]],
) -> int:
    """``INSERT … SELECT … ON CONFLICT DO NOTHING`` into any table (the caller commits)."""
    insert = (sqlite.insert if is_sqlite() else postgresql.insert)(table)
    statement = insert.from_select(list(values), select, include_defaults=False)
    return rowcount(
        db.session.execute(
            statement.on_conflict_do_nothing(), execution_options={"preserve_rowcount": True}
        )
    )
