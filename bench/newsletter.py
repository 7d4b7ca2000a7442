"""Queueing a campaign to 100,000 subscribers, against a bare ``INSERT … SELECT``.

The campaign's statement (``portal.newsletter.audience``) is measured against the
cheapest way to write as many rows into a table of the outbox's shape (same columns,
constraints and indexes) in the same database: ``INSERT INTO copy SELECT <constants and
the subscriber's columns> FROM newsletter_subscribers``. Goal: at most 2×.

Both run in a separate "web" process, as a request would: its peak RSS (``VmHWM``) is read
before and after, to show that memory does not grow with the list (no row of the audience
passes through Python). Rounds are interleaved and medians reported: the machine is shared.

SQLite always; PostgreSQL too when ``BENCH_DATABASE_URL`` is set (in a schema of its own,
dropped afterwards). ``BENCH_SUBSCRIBERS`` changes the size. Loopback only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import sqlalchemy as sa

from bench.scratch import databases, scratch_database

ROOT = Path(__file__).resolve().parent.parent
COPY = "bench_outbox_copy"
TIMEOUT = 600


@dataclass
class QueueResult:
    database: str
    subscribers: int
    bare: float
    campaign: float
    rss_before_mb: float
    rss_after_mb: float


def _app(database_url: str):  # type: ignore[no-untyped-def]
    from config import TestingConfig
    from portal import create_app

    config = TestingConfig(database_url=database_url)
    config.HUEY_NAME = "bench-newsletter"
    return create_app(config)


def _copy_table(metadata: sa.MetaData) -> sa.Table:
    """A table shaped like the outbox: its columns, unique key and indexes (renamed)."""
    from portal.models import OutboxMessage

    outbox = OutboxMessage.__table__
    columns = [
        sa.Column(
            column.name,
            column.type,
            primary_key=column.primary_key,
            nullable=column.nullable,
            unique=column.unique,
            index=column.index,
        )
        for column in outbox.columns
    ]
    table = sa.Table(COPY, metadata, *columns)  # idempotency_key keeps its unique flag
    # Columns flagged ``index=True`` (to_address, mailing) bring their own; copy the others.
    for index in outbox.indexes:
        if len(index.columns) == 1 and next(iter(index.columns)).index:
            continue
        sa.Index(
            index.name.replace("outbox", COPY),
            *[table.c[column.name] for column in index.columns],
            **{
                key: value
                for key, value in index.dialect_kwargs.items()
                if key in ("sqlite_where", "postgresql_where")
            },
        )
    return table


def prepare(database_url: str, subscribers: int) -> None:
    """Tables, ``subscribers`` confirmed subscribers, one draft campaign."""
    from portal.extensions import db
    from portal.models import Campaign
    from portal.models.types import utcnow

    app = _app(database_url)
    with app.app_context():
        copy = _copy_table(sa.MetaData())
        copy.drop(db.engine, checkfirst=True)
        db.drop_all()
        db.create_all()
        copy.create(db.engine)
        now = utcnow()
        batch = []
        for number in range(subscribers):
            batch.append(
                {
                    "email": f"runner{number}@example.com",
                    "name": f"Runner {number}",
                    "status": "confirmed",
                    "topic_tips": number % 2 == 0,
                    "topic_news": True,
                    "topic_articles": False,
                    "token_secret": uuid.uuid4().hex,
                    "tips_season": 1,
                    "created_at": now,
                    "requested_at": now,
                    "confirmed_at": now,
                }
            )
            if len(batch) == 10_000:
                db.session.execute(sa.insert(db.metadata.tables["newsletter_subscribers"]), batch)
                batch = []
        if batch:
            db.session.execute(sa.insert(db.metadata.tables["newsletter_subscribers"]), batch)
        db.session.add(
            Campaign(subject="Bench", body_markdown="## Hello\n\nRunners.", topics="news")
        )
        db.session.commit()
        db.engine.dispose()


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def web_process(database_url: str, rounds: int) -> dict[str, object]:
    """Run in the child: interleaved rounds of the bare copy and the campaign."""
    from portal.extensions import db
    from portal.models import Campaign, CampaignStatus, OutboxMessage, Subscriber
    from portal.models.types import utcnow
    from portal.newsletter import campaigns

    app = _app(database_url)
    with app.app_context():
        db.session.execute(sa.select(sa.func.count(Subscriber.id))).scalar()  # connect
        db.session.rollback()
    rss_before = _peak_rss_mb()
    copy = _copy_table(sa.MetaData())
    bare_times, campaign_times = [], []
    for number in range(rounds):
        with app.app_context():
            # Both tables start empty and clean each round (TRUNCATE on PostgreSQL leaves no
            # dead rows behind for the next round's index to step over).
            for table in (copy, OutboxMessage.__table__):
                if db.engine.dialect.name == "postgresql":
                    db.session.execute(sa.text(f"TRUNCATE {table.name} CASCADE"))
                else:
                    db.session.execute(sa.delete(table))
            campaign = db.session.scalars(sa.select(Campaign)).one()
            campaign.status = CampaignStatus.DRAFT.value
            db.session.commit()

            now = utcnow()
            subscriber = Subscriber.__table__
            bare = copy.insert().from_select(
                [
                    "idempotency_key",
                    "category",
                    "priority",
                    "to_address",
                    "to_name",
                    "subject",
                    "template",
                    "context",
                    "headers",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "message_id",
                    "created_at",
                    "mailing",
                ],
                sa.select(
                    sa.literal("campaign:1:subscriber:") + sa.cast(subscriber.c.id, sa.String),
                    sa.literal("newsletter"),
                    sa.literal(1, sa.SmallInteger),
                    subscriber.c.email,
                    subscriber.c.name,
                    sa.literal("Bench"),
                    sa.literal("newsletter_campaign"),
                    sa.literal({}, sa.JSON),
                    sa.literal({}, sa.JSON),
                    sa.literal("pending"),
                    sa.literal(0, sa.Integer),
                    sa.literal(now, copy.c.next_attempt_at.type),
                    sa.literal("<") + sa.cast(subscriber.c.id, sa.String) + sa.literal("@x>"),
                    sa.literal(now, copy.c.created_at.type),
                    sa.literal("campaign:1"),
                ).where(subscriber.c.topic_news.is_(True)),
            )

            def run_bare(statement: sa.Insert = bare) -> None:
                started = time.perf_counter()
                db.session.execute(statement)
                db.session.commit()
                bare_times.append(time.perf_counter() - started)

            def run_campaign() -> int:
                campaign = db.session.scalars(sa.select(Campaign)).one()
                db.session.commit()
                started = time.perf_counter()
                queued = campaigns.queue(campaign)
                db.session.commit()
                campaign_times.append(time.perf_counter() - started)
                return queued

            # Alternate which goes first: the second one pays for the first one's writes
            # being flushed and checkpointed.
            if number % 2 == 0:
                run_bare()
                queued = run_campaign()
            else:
                queued = run_campaign()
                run_bare()
    with app.app_context():
        db.engine.dispose()
    return {
        "bare": median(bare_times),
        "campaign": median(campaign_times),
        "queued": queued,
        "rss_before_mb": rss_before,
        "rss_after_mb": _peak_rss_mb(),
    }


def measure(database_url: str, label: str, subscribers: int, rounds: int) -> QueueResult:
    prepare(database_url, subscribers)
    child = subprocess.run(
        [sys.executable, "-m", "bench.newsletter", database_url, str(rounds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "PORTAL_CONFIG": "testing"},
    )
    if child.returncode != 0:
        raise RuntimeError(f"the web process failed:\n{child.stderr}")
    output = child.stdout
    found = json.loads(output.strip().splitlines()[-1])
    if found["queued"] != subscribers:
        raise RuntimeError(f"queued {found['queued']} of {subscribers}")
    return QueueResult(
        database=label,
        subscribers=subscribers,
        bare=found["bare"],
        campaign=found["campaign"],
        rss_before_mb=found["rss_before_mb"],
        rss_after_mb=found["rss_after_mb"],
    )


def run() -> list[QueueResult]:
    subscribers = int(os.environ.get("BENCH_SUBSCRIBERS", 100_000))
    rounds = int(os.environ.get("BENCH_ROUNDS", 4))
    results = []
    for label, base in databases():
        print(f"bench: queueing a campaign to {subscribers:,} on {label} …", file=sys.stderr)
        with (
            tempfile.TemporaryDirectory(prefix="newsletter-bench-") as folder,
            scratch_database(base, Path(folder)) as url,
        ):
            results.append(measure(url, label, subscribers, rounds))
    return results


def table(results: list[QueueResult]) -> str:
    lines = [
        "Queueing a campaign (one INSERT … SELECT into the outbox, commit included) against a "
        "bare INSERT … SELECT of as many rows into a table of the outbox's shape; medians of "
        "interleaved rounds, in a separate web process",
        "",
        "| database | subscribers | bare INSERT … SELECT | campaign | ratio | goal "
        "| web process peak RSS before → after |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for result in results:
        lines.append(
            f"| {result.database} | {result.subscribers:,} | {result.bare:.2f} s "
            f"| {result.campaign:.2f} s | {result.campaign / result.bare:.2f}× | ≤ 2× "
            f"| {result.rss_before_mb:.0f} MB → {result.rss_after_mb:.0f} MB |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3:  # the web process
        print(json.dumps(web_process(sys.argv[1], int(sys.argv[2]))))
    else:
        print(table(run()))
