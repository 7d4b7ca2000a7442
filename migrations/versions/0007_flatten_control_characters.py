"""flatten control characters in stored text

Forms now refuse control characters (portal/forms.py), but rows stored before may hold them:
a client name with a line break broke the calendar feed, and SQLite kept NUL characters that
PostgreSQL would have refused. This data migration makes stored text follow today's rules:
one-line columns are flattened (each run of control characters becomes one space), multi-line
columns lose control characters other than tab, CR and LF, and "further reading" links lose
tab, CR and LF as a browser would drop them when following the link.

There is nothing to undo: the downgrade leaves the cleaned text as it is.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:00:00

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = '0006'
branch_labels = None
depends_on = None

# The rules of portal/text.py as they were written, copied so that this migration keeps doing
# the same thing whatever later becomes of that module.
NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
UNICODE_BREAKS = re.compile("[\u2028\u2029]")
URL_NEWLINES = re.compile("[\t\r\n]")


def one_line(value):
    return " ".join(NOT_IN_A_LINE.sub(" ", value).split())


def multi_line(value):
    return NOT_IN_TEXT.sub("", UNICODE_BREAKS.sub("\n", value))


def url(value):
    return one_line(URL_NEWLINES.sub("", value))


# table: (primary key, {column: (clean, value when the cleaned text is empty)})
COLUMNS = {
    "users": ("id", {"name": (one_line, "(no name)")}),
    "training_profiles": ("user_id", {"goal_race_name": (one_line, None)}),
    "recommendations": (
        "id",
        {
            "title": (one_line, "(untitled)"),
            "frequency": (one_line, None),
            "details": (multi_line, ""),
            "link_url": (url, None),
        },
    ),
    "booking_rules": ("id", {"title": (one_line, "(untitled)"), "advice": (multi_line, "")}),
    "massage_sessions": ("id", {"client_notes": (multi_line, ""), "private_notes": (multi_line, "")}),
}


def upgrade():
    connection = op.get_bind()
    for table_name, (key, columns) in COLUMNS.items():
        table = sa.table(table_name, sa.column(key), *(sa.column(name) for name in columns))
        rows = connection.execute(sa.select(table.c[key], *(table.c[name] for name in columns)))
        changes = []
        for row in rows.mappings().all():
            values = {}
            for name, (clean, when_empty) in columns.items():
                value = row[name]
                if value is None:
                    continue
                cleaned = clean(value) or when_empty
                if cleaned != value:
                    values[name] = cleaned
            if values:
                changes.append((row[key], values))
        for identity, values in changes:
            connection.execute(sa.update(table).where(table.c[key] == identity).values(**values))


def downgrade():
    # Cleaned text stays clean: the control characters carried nothing anyone meant to keep.
    pass
