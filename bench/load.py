"""``make load``: 200 simulated people for 60 seconds against gunicorn on PostgreSQL, with
Locust (``bench/locustfile.py``), then every accepted write looked for in the database.

One run (``LOAD_RUNS`` runs, default 2, each on a fresh deployment, ``bench/cluster.py``):

1. PostgreSQL schema and Redis queue of their own; ``flask db upgrade``; ``flask seed-demo``
   (the demo articles, one of them with 230 comments); then, set-based, ``LOAD_CLIENTS``
   (200) clients with a password, 40 sessions and 6 recommendations each, and 50 staff
   members (one argon2 hash shared by all: hashing is not what is measured).
2. ``gunicorn -c deploy/gunicorn.conf.py wsgi:app`` with its default workers (2 × cores + 1)
   and one ``flask --app wsgi worker``, production settings, mail to the loopback SMTP server.
   Every simulated person comes from 127.0.0.1, so the per-IP limits of sign-in,
   subscribing and commenting would refuse most of them together: they are raised for the
   run, and the comment flood window (per IP and per address at once) is switched off
   (``LIMIT_SETTINGS``). The per-address and per-account limits stay as shipped (every
   visitor subscribes, every reader comments with a new address); the comment form's
   minimum time (3 s) and honeypot stay too, and readers respect them.
3. Locust, headless: ``LOAD_USERS`` (200) users spawned at 20 a second, ``LOAD_SECONDS``
   (60) seconds, users finish what they are doing when time is up (``--stop-timeout``).
4. Checks: no 5xx and no failed connection; every accepted write is in the database and
   nothing else is (sessions and comments by their marker, subscriptions by address,
   recommendations by their last accepted state); every accepted subscription got exactly
   one confirmation email at the SMTP server once the outbox drained.

It exits non-zero when a check fails, after printing the tables.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.cluster import (
    BIN,
    PASSWORD,
    ROOT,
    Deployment,
    cpu_seconds,
    machine_cpu,
    markdown_table,
    seed_records,
    seed_users,
)

# Per-IP limits raised for the run: all simulated people share 127.0.0.1.
LIMIT_SETTINGS = {
    "LOGIN_LIMIT_PER_IP": "100000 per minute",
    "SUBSCRIBE_LIMIT_PER_IP": "100000 per minute",
    "COMMENT_LIMIT_PER_IP": "100000 per minute",
    # One comment per this many seconds per IP *and* per address: with every reader on one
    # IP it would allow one comment in 15 s for all of them. Every comment comes from a new
    # address, so switching it off changes nothing else.
    "COMMENT_FLOOD_SECONDS": "0",
}


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


@dataclass
class WriteCheck:
    kind: str
    accepted: int
    refused_429: int
    unknown: int
    found: str
    lost: int
    phantom: int


@dataclass
class LoadResult:
    number: int
    users: int
    seconds: float
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: Counter[int]
    writes: list[WriteCheck] = field(default_factory=list)
    confirmations: tuple[int, int] = (0, 0)  # (subscriptions with exactly one, accepted)
    endpoints: dict[str, dict[str, float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # cores used on average, by whom
    problems: list[str] = field(default_factory=list)


def _seed(deployment: Deployment, clients: int) -> None:
    deployment.flask("seed-demo")  # the demo articles (one with 230 comments), demo accounts
    seed_users(deployment, role="staff", prefix="therapist", count=50)
    seed_users(deployment, role="client", prefix="client", count=clients)
    seed_records(deployment, prefix="client", sessions=40, recommendations=6)


def _run_locust(deployment: Deployment, url: str, run_id: str, clients: int) -> dict:  # type: ignore[type-arg]
    results = deployment.workdir / "locust.json"
    users, seconds = _setting("LOAD_USERS", 200), _setting("LOAD_SECONDS", 60)
    command = [
        str(BIN / "locust"),
        "-f",
        "bench/locustfile.py",
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        "20",
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "30",
        "--host",
        url,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # the locustfile uses bench.cluster
        "LOAD_RUN_ID": run_id,
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_CLIENTS": str(clients),
        "LOAD_RESULTS": str(results),
    }
    locust = deployment.spawn("locust", command, env, signal.SIGINT)
    locust.popen.wait(timeout=seconds + 120)
    if not results.exists():
        raise RuntimeError(f"Locust wrote no results:\n{locust.log_tail()}")
    return json.loads(results.read_text())


def _wait_for_outbox(deployment: Deployment, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while deployment.scalar("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"):
        if time.monotonic() > deadline:
            raise RuntimeError("the outbox did not drain")
        time.sleep(0.5)


def _refused(statuses: dict[str, dict[str, int]], name: str) -> int:
    return int(statuses.get(name, {}).get("429", 0))


def _check(deployment: Deployment, run_id: str, found: dict, result: LoadResult) -> None:  # type: ignore[type-arg]
    statuses = found["statuses"]
    unknown = found["unknown"]

    in_db = {
        row[0].rsplit(" ", 1)[-1]
        for row in deployment.rows(
            "SELECT client_notes FROM massage_sessions WHERE client_notes LIKE :pattern",
            pattern=f"%load:{run_id}:%",
        )
    }
    accepted = set(found["sessions"])
    result.writes.append(
        WriteCheck(
            "sessions recorded (staff POST → 302)",
            len(accepted),
            _refused(statuses, "/staff/clients/[id]/sessions/new [POST]"),
            len(unknown.get("sessions", [])),
            f"{len(in_db):,}",
            len(accepted - in_db),
            len(in_db - accepted - set(unknown.get("sessions", []))),
        )
    )

    in_db = {
        row[0]
        for row in deployment.rows(
            "SELECT email FROM newsletter_subscribers WHERE email LIKE :pattern",
            pattern=f"visitor-{run_id}-%",
        )
    }
    accepted = set(found["subscriptions"])
    result.writes.append(
        WriteCheck(
            "subscriptions (POST → 200 check your email)",
            len(accepted),
            _refused(statuses, "/newsletter/subscribe [POST]"),
            len(unknown.get("subscriptions", [])),
            f"{len(in_db):,}",
            len(accepted - in_db),
            len(in_db - accepted - set(unknown.get("subscriptions", []))),
        )
    )

    in_db = {
        row[0].rsplit(" ", 1)[-1]
        for row in deployment.rows(
            "SELECT body_source FROM comments WHERE body_source LIKE :pattern",
            pattern=f"%load:{run_id}:c%",
        )
    }
    accepted = set(found["comments"])
    result.writes.append(
        WriteCheck(
            "guest comments (POST → 302 to the comment, held for moderation)",
            len(accepted),
            _refused(statuses, "/blog/[slug]/comments [POST]"),
            len(unknown.get("comments", [])),
            f"{len(in_db):,}",
            len(accepted - in_db),
            len(in_db - accepted - set(unknown.get("comments", []))),
        )
    )

    marks = {int(key): state for key, state in found["marks"].items()}
    uncertain = {int(key.split(":")[0]) for key in unknown.get("marks", [])}
    done = {
        row[0]: row[1] is not None
        for row in deployment.rows(
            "SELECT id, done_at FROM recommendations WHERE id = ANY(:ids)", ids=list(marks)
        )
    }
    wrong = [
        rid
        for rid, state in marks.items()
        if rid not in uncertain and done.get(rid) != (state == "done")
    ]
    result.writes.append(
        WriteCheck(
            "recommendations marked done / not done (POST → 302)",
            sum(
                count
                for name, counts in statuses.items()
                if name.startswith("/portal/recommendations/[id]/")
                for status, count in counts.items()
                if status == "302"
            ),
            _refused(statuses, "/portal/recommendations/[id]/done")
            + _refused(statuses, "/portal/recommendations/[id]/undo"),
            len(uncertain),
            f"{len(marks) - len(wrong)} of {len(marks)} in their last accepted state",
            len(wrong),
            0,
        )
    )
    for check in result.writes:
        if check.lost or check.phantom:
            result.problems.append(
                f"{check.kind}: {check.lost} lost, {check.phantom} not accepted but saved"
            )


def run_once(number: int) -> LoadResult:
    clients = _setting("LOAD_CLIENTS", 200)
    with Deployment("load", dict(LIMIT_SETTINGS)) as deployment:
        print(f"load: run {number}: seeding …", file=sys.stderr)
        _seed(deployment, clients)
        web, url = deployment.start_web("web")
        worker = deployment.start_worker("worker")
        print(f"load: run {number}: Locust against {url} …", file=sys.stderr)
        ours = {"gunicorn": web, "flask worker": worker, "SMTP server": deployment.smtp}
        before = {name: cpu_seconds(process.popen.pid) for name, process in ours.items()}
        postgres_before = deployment.postgres_cpu()
        machine_before, started = machine_cpu(), time.monotonic()
        found = _run_locust(deployment, url, deployment.run_id, clients)
        elapsed = time.monotonic() - started
        machine_busy = machine_cpu()[0] - machine_before[0]
        cpu = {
            name: (cpu_seconds(process.popen.pid) - before[name]) / elapsed
            for name, process in ours.items()
        }
        cpu["PostgreSQL (this run's backends)"] = (
            sum(
                seconds - postgres_before.get(pid, 0)
                for pid, seconds in deployment.postgres_cpu().items()
            )
            / elapsed
        )
        cpu["Locust"] = found["cpu_seconds"] / elapsed
        cpu["everything else (Redis, other work on this shared machine)"] = (
            machine_busy / elapsed - sum(cpu.values())
        )
        statuses: Counter[int] = Counter()
        for counts in found["statuses"].values():
            statuses.update({int(status): count for status, count in counts.items()})
        result = LoadResult(
            number=number,
            users=_setting("LOAD_USERS", 200),
            seconds=found["seconds"],
            requests=found["requests"],
            p50_ms=found["p50_ms"],
            p95_ms=found["p95_ms"],
            p99_ms=found["p99_ms"],
            statuses=statuses,
            endpoints=found["endpoints"],
            cpu=cpu,
        )
        _wait_for_outbox(deployment)
        _check(deployment, deployment.run_id, found, result)
        deployment.stop(worker)
        copies = deployment.smtp_counts()["recipients"]
        accepted = found["subscriptions"]
        exactly_one = sum(1 for email in accepted if copies.get(email) == 1)  # type: ignore[union-attr]
        result.confirmations = (exactly_one, len(accepted))
        if exactly_one != len(accepted):
            result.problems.append(
                f"{len(accepted) - exactly_one} accepted subscriptions without exactly one "
                "confirmation email"
            )
        server_errors = sum(count for status, count in statuses.items() if status >= 500)
        if server_errors:
            result.problems.append(f"{server_errors} answers were 5xx")
        if statuses.get(0):
            result.problems.append(f"{statuses[0]} requests got no answer")
    return result


def tables(results: list[LoadResult]) -> str:
    overall = markdown_table(
        [
            "run",
            " users",
            " requests",
            " requests/s",
            " p50",
            " p95",
            " p99",
            " 2xx",
            " 3xx",
            " 429",
            " other 4xx",
            " 5xx",
            " no answer",
        ],
        [
            (
                result.number,
                result.users,
                f"{result.requests:,}",
                f"{result.requests / result.seconds:,.0f}",
                f"{result.p50_ms:.0f} ms",
                f"{result.p95_ms:.0f} ms",
                f"{result.p99_ms:.0f} ms",
                f"{sum(c for s, c in result.statuses.items() if 200 <= s < 300):,}",
                f"{sum(c for s, c in result.statuses.items() if 300 <= s < 400):,}",
                result.statuses.get(429, 0),
                sum(c for s, c in result.statuses.items() if 400 <= s < 500 and s != 429),
                sum(c for s, c in result.statuses.items() if s >= 500),
                result.statuses.get(0, 0),
            )
            for result in results
        ],
    )
    writes = markdown_table(
        [
            "run",
            "write",
            " accepted",
            " refused (429)",
            " answer lost",
            " found in the database",
            " lost",
            " saved without being accepted",
        ],
        [
            (
                result.number,
                check.kind,
                f"{check.accepted:,}",
                check.refused_429,
                check.unknown,
                check.found,
                check.lost,
                check.phantom,
            )
            for result in results
            for check in result.writes
        ]
        + [
            (
                result.number,
                "confirmation emails received (exactly one per accepted subscription)",
                f"{result.confirmations[1]:,}",
                "",
                "",
                f"{result.confirmations[0]:,} got exactly one",
                result.confirmations[1] - result.confirmations[0],
                "",
            )
            for result in results
        ],
    )
    slowest = sorted(
        {name for result in results for name in result.endpoints},
        key=lambda name: -max(r.endpoints.get(name, {}).get("p95_ms", 0) for r in results),
    )
    pages = markdown_table(
        ["page", *(f" run {result.number}: requests, p50 / p95" for result in results)],
        [
            (
                name,
                *(
                    (
                        f"{r.endpoints[name]['requests']:,}, "
                        f"{r.endpoints[name]['p50_ms']:.0f} / {r.endpoints[name]['p95_ms']:.0f} ms"
                    )
                    if name in r.endpoints
                    else ""
                    for r in results
                ),
            )
            for name in slowest
            if name != "Aggregated"
        ],
    )
    cpu = markdown_table(
        [
            f"CPU during the run (cores, of {os.cpu_count()})",
            *(f" run {result.number}" for result in results),
        ],
        [
            (name, *(f"{result.cpu.get(name, 0):.2f}" for result in results))
            for name in results[0].cpu
        ]
        + [("whole machine", *(f"{sum(result.cpu.values()):.2f}" for result in results))],
    )
    raised = ", ".join(f"{key}={value!r}" for key, value in LIMIT_SETTINGS.items())
    return (
        f"Locust, {results[0].users} users (clients, visitors, readers, staff) for "
        f"{_setting('LOAD_SECONDS', 60)} s against gunicorn ({os.cpu_count()} cores: "
        f"{2 * (os.cpu_count() or 1) + 1} workers) on PostgreSQL; raised for the run: {raised}"
        f"\n\n{overall}\n\nWrites: what the app accepted against what the database holds\n\n"
        f"{writes}\n\nPer page\n\n{pages}\n\n{cpu}"
    )


def main() -> int:
    runs = _setting("LOAD_RUNS", 2)
    results = [run_once(number) for number in range(1, runs + 1)]
    print(tables(results))
    for result in results:
        for problem in result.problems:
            print(f"run {result.number}: FAILED: {problem}")
    return 1 if any(result.problems for result in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
