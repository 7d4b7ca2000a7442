"""A PostgreSQL schema of its own for one measurement, dropped afterwards.

``BENCH_DATABASE_URL`` may then name any database the benchmark may write to (the test
server's ``test`` database, say): nothing outside the scratch schema is read or changed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """Yield ``base`` with its search path set to a new, empty schema."""
    from config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(base), isolation_level="AUTOCOMMIT")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@contextmanager
def scratch_database(base: str | None, folder: Path) -> Iterator[str]:
    """A fresh SQLite file in ``folder`` when ``base`` is None, else a scratch schema."""
    if base is None:
        yield f"sqlite:///{folder / 'portal.sqlite'}"
    else:
        with postgres_schema(base) as url:
            yield url


def databases() -> list[tuple[str, str | None]]:
    """The databases a benchmark runs on: SQLite always, PostgreSQL with BENCH_DATABASE_URL."""
    base = os.environ.get("BENCH_DATABASE_URL")
    return [("SQLite", None)] + ([("PostgreSQL", base)] if base else [])
