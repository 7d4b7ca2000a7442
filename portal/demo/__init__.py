"""Demo data for ``make run``: each feature adds its own seeder module here.

Every seeder is idempotent (it looks things up before creating them) and returns lines
describing what it did, so ``flask seed-demo`` can be run on every start.
"""

from __future__ import annotations

from collections.abc import Callable

from portal.demo import blog, newsletter, pages, practice, sessions, users

SEEDERS: list[Callable[[], list[str]]] = [
    users.seed,
    sessions.seed,
    practice.seed,
    pages.seed,
    blog.seed,
    newsletter.seed,
]

DEMO_LOGINS = users.DEMO_LOGINS


def seed_all() -> list[str]:
    lines: list[str] = []
    for seeder in SEEDERS:
        lines.extend(seeder())
    return lines
