"""``make bench``: the page benchmark (``bench/pages.py``), then the mail pipeline's.

``BENCH_ONLY=pages`` runs the page benchmark alone. The mail benchmark measures the mail
pipeline against the machine's ceiling and prints a table:

One run, one smtp-sink, the same 10,000 messages (HTML + text, about 4 KB):

1. a bare smtplib loop over one connection, sending the messages already composed;
2. Postfix's ``smtp-source`` with 4 sessions (the ceiling of this machine);
3. the pipeline: outbox rows committed → all marked sent, by ``flask worker`` as shipped;
4. the worker's peak memory with 10,000 and with 100,000 rows;
5. queueing a newsletter campaign to 100,000 subscribers against a bare ``INSERT … SELECT``
   of as many rows, on SQLite and (with ``BENCH_DATABASE_URL``) PostgreSQL
   (``bench/newsletter.py``; ``python -m bench newsletter`` runs it alone).

Not a test: numbers depend on the machine and on what else runs on it. ``BENCH_ROWS`` and
``BENCH_BIG_ROWS`` change the sizes, ``BENCH_DATABASE_URL`` runs the pipeline on PostgreSQL.

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
from pathlib import Path
from statistics import median

from bench import newsletter
from bench.measure import (
    measure_pipeline,
    measure_smtp_source,
    measure_smtplib,
    realistic_messages,
    smtp_sink,
)

SINK = "/usr/sbin/smtp-sink"
SOURCE = "/usr/sbin/smtp-source"


def main() -> int:
    """Every part, or the one named by ``BENCH_ONLY`` / the first argument."""
    from bench import pages

    only = os.environ.get("BENCH_ONLY") or (sys.argv[1] if len(sys.argv) > 1 else None)
    if only == "newsletter":
        print(newsletter.table(newsletter.run()))
        return 0
    if only == "mail":
        return mail_main()
    status = pages.main()
    if only == "pages":
        return status
    print()
    print(newsletter.table(newsletter.run()))
    print()
    return mail_main() or status


def mail_main() -> int:
    if not (Path(SINK).exists() and Path(SOURCE).exists()):
        print(
            "bench: the mail pipeline needs Postfix's smtp-sink and smtp-source "
            "(apt-get install postfix)"
        )
        return 1
    rows = int(os.environ.get("BENCH_ROWS", 10_000))
    big_rows = int(os.environ.get("BENCH_BIG_ROWS", 100_000))
    rounds = int(os.environ.get("BENCH_ROUNDS", 3))
    workdir = Path(tempfile.mkdtemp(prefix="mail-bench-"))
    bare, source, small = [], [], []
    try:
        with smtp_sink(SINK) as port:
            print(f"bench: composing {rows:,} messages …", file=sys.stderr)
            messages = realistic_messages(rows, workdir)
            size = sum(len(raw) for _, raw in messages) / len(messages)
            # Interleaved rounds, medians reported: the machine is shared and noisy.
            for round_number in range(1, rounds + 1):
                print(f"bench: round {round_number} of {rounds} …", file=sys.stderr)
                bare.append(measure_smtplib(messages, port))
                source.append(measure_smtp_source(SOURCE, messages[0][1], rows, port, workdir))
                small.append(measure_pipeline(rows, port, workdir / f"small-{round_number}"))
            print(f"bench: pipeline with {big_rows:,} rows (memory) …", file=sys.stderr)
            big = measure_pipeline(big_rows, port, workdir / "big")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    small_result = sorted(small, key=lambda result: result.rate)[len(small) // 2]
    small_result.peak_rss_mb = max(result.peak_rss_mb for result in small)
    small_result.peak_pss_mb = max(result.peak_pss_mb for result in small)
    print_table(rows, size, median(bare), median(source), small_result, big_rows, big)
    return 0


def print_table(rows, size, bare, source, small, big_rows, big) -> None:  # type: ignore[no-untyped-def]
    growth = big.peak_rss_mb / small.peak_rss_mb
    lines = [
        f"{rows:,} messages of {size / 1024:.1f} KB (HTML + text) into smtp-sink on loopback; "
        "emails/s are medians of interleaved rounds",
        "",
        "| measurement | emails/s | ratio | goal |",
        "|---|---:|---:|---|",
        f"| bare smtplib loop, 1 connection | {bare:,.0f} | 1.00× | |",
        f"| smtp-source, 4 sessions | {source:,.0f} | {source / bare:.2f}× | |",
        f"| pipeline ({small.describe}) | {small.rate:,.0f} | {small.rate / bare:.2f}× bare, "
        f"{small.rate / source:.2f}× smtp-source | ≥ 1.00× bare, ≥ 0.25× smtp-source |",
        f"| pipeline, {big_rows:,} rows | {big.rate:,.0f} | | |",
        "",
        "| worker memory | 10k rows | 100k rows | growth | goal |",
        "|---|---:|---:|---:|---|",
        f"| peak RSS, largest process | {small.peak_rss_mb:.0f} MB | {big.peak_rss_mb:.0f} MB "
        f"| {growth:.2f}× | < 150 MB, ≤ 1.2× |",
        f"| peak PSS, whole worker ({small.processes} processes) | {small.peak_pss_mb:.0f} MB "
        f"| {big.peak_pss_mb:.0f} MB | {big.peak_pss_mb / small.peak_pss_mb:.2f}× | |",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
