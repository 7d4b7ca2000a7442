"""``make bench``: pages, campaign queueing and the mail pipeline, one summary table.

Every figure is a ratio to a baseline measured in the same run, on the same machine, in
interleaved rounds (medians reported: the machine is shared and noisy):

1. pages (``bench/pages.py``): the client dashboard and session history (300 sessions) and
   the popular article (200+ comments), anonymous (also revalidated: 304, and behind
   nginx's microcache of ``deploy/nginx/``) and signed in, under gunicorn with the
   production settings and 2 workers, against a bare Flask "hello" route under the same
   gunicorn; wrk with 16 connections, p50/p95 latency reported;
2. queueing a newsletter campaign to 100,000 subscribers against a bare ``INSERT … SELECT``
   of as many rows (``bench/newsletter.py``);
3. the mail pipeline: 10,000 outbox rows (HTML + text, about 4 KB) committed → all marked
   sent by ``flask worker`` as shipped, into Postfix's ``smtp-sink``, against a bare smtplib
   loop over one connection and against ``smtp-source`` with 4 sessions (the ceiling of
   this machine); the same pipeline signing every message with DKIM and giving it a VERP
   envelope sender; the worker's peak memory with 10,000 and 100,000 rows.

Each runs on SQLite, and on PostgreSQL too with ``BENCH_DATABASE_URL`` (each measurement in
a schema of its own, dropped afterwards: ``bench/scratch.py``). The detailed tables come
first, then one summary table with a column per database and the goals.

``BENCH_ONLY=pages|newsletter|mail`` (or the first argument) runs one part. ``BENCH_SECONDS``,
``BENCH_ROUNDS``, ``BENCH_ROWS``, ``BENCH_BIG_ROWS`` and ``BENCH_SUBSCRIBERS`` change the sizes.
Not a test: the numbers depend on the machine and on what else runs on it. Loopback only.

Two more measurements have targets of their own, because they need PostgreSQL and Redis
(``BENCH_DATABASE_URL`` and ``REDIS_URL``, the local servers by default) and take minutes
(results and what they show: ``docs/deploy.md``, "Scale-out and load"):

- ``make scale`` (``bench/scaleout.py``): two gunicorn instances and three ``flask worker``
  send a campaign to 20,000 subscribers while one worker is killed with ``kill -9`` and
  restarted and wrk loads both web instances; every copy is counted per recipient;
- ``make load`` (``bench/load.py``, ``bench/locustfile.py``): Locust, 200 simulated clients,
  visitors, readers and staff for 60 seconds; every accepted write is looked for in the
  database. Locust is installed by the target (the ``load`` extra), not by ``make install``.

Both print Markdown tables and exit non-zero when a check fails; the deployment they start
(``bench/cluster.py``) is torn down whatever happens.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from bench import newsletter, pages
from bench.measure import (
    PipelineResult,
    measure_pipeline,
    measure_smtp_source,
    measure_smtplib,
    measure_smtplib_signing,
    realistic_messages,
    signing_environment,
    smtp_sink,
)
from bench.scratch import databases, scratch_database

SINK = "/usr/sbin/smtp-sink"
SOURCE = "/usr/sbin/smtp-source"
PARTS = ("pages", "newsletter", "mail")


@dataclass
class MailResult:
    database: str
    rows: int
    size_kb: float
    bare: float  # emails/s
    source: float
    pipeline: PipelineResult
    signed: float  # emails/s of the pipeline with DKIM signatures and VERP senders
    bare_signed: float  # the bare loop signing each message
    big_rows: int
    big: PipelineResult


@dataclass
class Row:
    """One line of the summary: a measurement, its value per database and its goal."""

    name: str
    values: dict[str, str]
    goal: str
    met: dict[str, bool | None]


def main() -> int:
    only = os.environ.get("BENCH_ONLY") or (sys.argv[1] if len(sys.argv) > 1 else None)
    if only is not None and only not in PARTS:
        print(f"bench: unknown part {only!r}; choose one of {', '.join(PARTS)}")
        return 2
    missing = [
        tool
        for tool, needed in (
            (pages.WRK, "pages"),
            (pages.NGINX, "pages"),
            (SINK, "mail"),
            (SOURCE, "mail"),
        )
        if (only in (None, needed)) and not Path(tool).exists()
    ]
    if missing:
        print(f"bench: missing {', '.join(missing)} (apt-get install wrk nginx postfix)")
        return 1

    labels = [label for label, _ in databases()]
    rows: list[Row] = []
    if only in (None, "pages"):
        rows += page_rows(pages.run())
    if only in (None, "newsletter"):
        results = newsletter.run()
        print(newsletter.table(results), end="\n\n")
        rows += [newsletter_row(results)]
    if only in (None, "mail"):
        mail = [mail_run(label, base) for label, base in databases()]
        for result in mail:
            print(mail_table(result), end="\n\n")
        rows += mail_rows(mail)
    print(summary(labels, rows))
    return 0 if all(ok is not False for row in rows for ok in row.met.values()) else 3


def page_rows(
    runs: list[tuple[str, pages.Result, list[tuple[pages.Page, pages.Result]]]],
) -> list[Row]:
    found: dict[str, Row] = {}
    for label, hello, results in runs:
        row = found.setdefault(
            "hello", Row("bare Flask hello route (requests/s, p50/p95)", {}, "", {})
        )
        row.values[label] = f"{hello.requests_per_second:,.0f}/s, {_latency(hello)}"
        row.met[label] = None
        for page, result in results:
            ratio = result.requests_per_second / hello.requests_per_second
            goal = "(reference)" if page.goal is None else f"≥ {page.goal:.2f}×"
            row = found.setdefault(page.name, Row(f"{page.name} (to hello)", {}, goal, {}))
            row.values[label] = f"{ratio:.2f}×, {_latency(result)}"
            row.met[label] = (
                None if page.goal is None else ratio >= page.goal and result.errors == 0
            )
    return list(found.values())


def _latency(result: pages.Result) -> str:
    return f"{result.latency_p50_ms:.1f}/{result.latency_p95_ms:.1f} ms"


def newsletter_row(results: list[newsletter.QueueResult]) -> Row:
    row = Row("queueing a campaign to 100,000 (to bare INSERT … SELECT)", {}, "≤ 2×", {})
    for result in results:
        ratio = result.campaign / result.bare
        row.values[result.database] = f"{ratio:.2f}× ({result.campaign:.2f} s)"
        row.met[result.database] = ratio <= 2
    return row


def mail_run(label: str, base: str | None) -> MailResult:
    count = int(os.environ.get("BENCH_ROWS", 10_000))
    big_rows = int(os.environ.get("BENCH_BIG_ROWS", 100_000))
    rounds = int(os.environ.get("BENCH_ROUNDS", 3))
    workdir = Path(tempfile.mkdtemp(prefix="mail-bench-"))
    bare: list[float] = []
    source: list[float] = []
    small: list[PipelineResult] = []
    signed: list[float] = []
    bare_signed: list[float] = []
    try:
        with smtp_sink(SINK) as port:
            print(f"bench: composing {count:,} messages …", file=sys.stderr)
            messages = realistic_messages(count, workdir)
            size = sum(len(raw) for _, raw in messages) / len(messages)
            for number in range(1, rounds + 1):
                print(f"bench: mail on {label}, round {number} of {rounds} …", file=sys.stderr)
                bare.append(measure_smtplib(messages, port))
                source.append(measure_smtp_source(SOURCE, messages[0][1], count, port, workdir))
                folder = workdir / f"small-{number}"
                folder.mkdir()
                with scratch_database(base, folder) as url:
                    small.append(measure_pipeline(count, port, folder / "run", url))
                folder = workdir / f"signed-{number}"
                folder.mkdir()
                settings = signing_environment(folder)
                key_file = settings["DKIM_PRIVATE_KEY_FILE"]
                bare_signed.append(measure_smtplib_signing(messages, port, key_file))
                with scratch_database(base, folder) as url:
                    run = measure_pipeline(count, port, folder / "run", url, settings)
                    signed.append(run.rate)
            print(f"bench: mail on {label}, {big_rows:,} rows (memory) …", file=sys.stderr)
            folder = workdir / "big"
            folder.mkdir()
            with scratch_database(base, folder) as url:
                big = measure_pipeline(big_rows, port, folder / "run", url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    middle = sorted(small, key=lambda result: result.rate)[len(small) // 2]
    middle.peak_rss_mb = max(result.peak_rss_mb for result in small)
    middle.peak_pss_mb = max(result.peak_pss_mb for result in small)
    return MailResult(
        label,
        count,
        size / 1024,
        median(bare),
        median(source),
        middle,
        median(signed),
        median(bare_signed),
        big_rows,
        big,
    )


def mail_table(result: MailResult) -> str:
    bare, source, small, big = result.bare, result.source, result.pipeline, result.big
    return "\n".join(
        [
            f"Mail pipeline on {result.database}: {result.rows:,} messages of "
            f"{result.size_kb:.1f} KB (HTML + text) into smtp-sink on loopback; emails/s are "
            "medians of interleaved rounds",
            "",
            "| measurement | emails/s | ratio | goal |",
            "|---|---:|---:|---|",
            f"| bare smtplib loop, 1 connection | {bare:,.0f} | 1.00× | |",
            f"| smtp-source, 4 sessions | {source:,.0f} | {source / bare:.2f}× | |",
            f"| pipeline ({small.describe}) | {small.rate:,.0f} | {small.rate / bare:.2f}× bare, "
            f"{small.rate / source:.2f}× smtp-source | ≥ 1.00× bare, ≥ 0.25× smtp-source |",
            f"| bare smtplib loop, DKIM-signing each message | {result.bare_signed:,.0f} | "
            f"{result.bare_signed / bare:.2f}× | |",
            f"| pipeline, DKIM-signed, VERP senders | {result.signed:,.0f} | "
            f"{result.signed / result.bare_signed:.2f}× signing bare loop, "
            f"{result.signed / bare:.2f}× bare, {result.signed / small.rate:.2f}× unsigned | |",
            f"| pipeline, {result.big_rows:,} rows | {big.rate:,.0f} | | |",
            "",
            f"| worker memory | {result.rows:,} rows | {result.big_rows:,} rows | growth | goal |",
            "|---|---:|---:|---:|---|",
            f"| peak RSS, largest process | {small.peak_rss_mb:.0f} MB | {big.peak_rss_mb:.0f} MB "
            f"| {big.peak_rss_mb / small.peak_rss_mb:.2f}× | < 150 MB, ≤ 1.2× |",
            f"| peak PSS, whole worker ({small.processes} processes) | {small.peak_pss_mb:.0f} MB "
            f"| {big.peak_pss_mb:.0f} MB | {big.peak_pss_mb / small.peak_pss_mb:.2f}× | |",
        ]
    )


def mail_rows(results: list[MailResult]) -> list[Row]:
    bare = Row("mail pipeline (to bare smtplib loop)", {}, "≥ 1.00×", {})
    source = Row("mail pipeline (to smtp-source, 4 sessions)", {}, "≥ 0.25×", {})
    signed = Row("mail pipeline, DKIM + VERP (to the bare loop signing too)", {}, "", {})
    memory = Row("worker peak RSS, 10k → 100k rows", {}, "< 150 MB, ≤ 1.2×", {})
    for result in results:
        label, rate = result.database, result.pipeline.rate
        bare.values[label] = f"{rate / result.bare:.2f}× ({rate:,.0f}/s)"
        bare.met[label] = rate / result.bare >= 1.0
        source.values[label] = f"{rate / result.source:.2f}× ({result.source:,.0f}/s)"
        source.met[label] = rate / result.source >= 0.25
        signed.values[label] = (
            f"{result.signed / result.bare_signed:.2f}× ({result.signed:,.0f}/s; "
            f"{result.signed / rate:.2f}× unsigned)"
        )
        signed.met[label] = None
        small, big = result.pipeline.peak_rss_mb, result.big.peak_rss_mb
        memory.values[label] = f"{small:.0f} → {big:.0f} MB"
        memory.met[label] = big < 150 and big / small <= 1.2
    return [bare, source, signed, memory]


def summary(labels: list[str], rows: list[Row]) -> str:
    def cell(row: Row, label: str) -> str:
        value = row.values.get(label, "–")
        ok = row.met.get(label)
        return value if ok is None else f"{value} {'met' if ok else 'MISSED'}"

    lines = [
        "Summary: every figure a ratio to a baseline measured in the same run "
        "(pages: p50/p95 latency at 16 connections)",
        "",
        "| measurement | " + " | ".join(labels) + " | goal |",
        "|---|" + "---:|" * len(labels) + "---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.name} | "
            + " | ".join(cell(row, label) for label in labels)
            + f" | {row.goal} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
