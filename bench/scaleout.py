"""``make scale``: two web hosts and three worker hosts' worth on this machine, a campaign to
20,000 subscribers, one worker killed with ``kill -9`` mid-campaign, the web under load.

One run (``SCALE_RUNS`` runs, default 2, each on a fresh deployment, ``bench/cluster.py``):

1. PostgreSQL schema and Redis queue of their own; ``flask db upgrade``; seeded set-based:
   ``SCALE_SUBSCRIBERS`` (20,000) confirmed subscribers, one draft campaign to them, a staff
   member, and a client with 30 sessions and 5 recommendations (for signed-in pages).
2. Two ``gunicorn -c deploy/gunicorn.conf.py wsgi:app`` (2 workers each) and three separate
   ``flask --app wsgi worker`` (``MAIL_WORKERS`` sending processes each, default 3), all with
   production settings, ``MAIL_RATE_PER_SECOND=SCALE_RATE`` (shared through Redis) and
   ``MAIL_LEASE_SECONDS=SCALE_LEASE`` (30: a killed worker's rows come back within it).
3. ``wrk`` (one per web instance, 4 connections, ``bench/web_mix.lua``) loads a mix of
   public and signed-in pages: for 15 seconds alone, to compare with, then again from
   before the campaign starts until its last message is sent.
4. The staff member presses "Send now" (the back office POST, with its CSRF token).
5. When ``SCALE_KILL_AT`` (25%) of the campaign is sent, the first worker's whole process
   group gets SIGKILL; it is started again ``SCALE_RESTART_AFTER`` (2) seconds later.
6. At the end, the SMTP server's count per recipient and the outbox are checked: every
   subscriber got exactly one copy, except at most one sent-mark group of duplicates per
   killed sending process (two messages at this rate, ``resent_per_killed_process``);
   no row is left pending or sending; no web answer was a 5xx.

It exits non-zero when a check fails, after printing the tables.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from shutil import which

from bench.cluster import (
    Browser,
    Deployment,
    Process,
    machine_cpu,
    markdown_table,
    seed_records,
    seed_users,
)

LUA = Path(__file__).resolve().parent / "web_mix.lua"
WRK = which("wrk") or "/usr/bin/wrk"
BASELINE_SECONDS = 15  # the same load before the campaign, to compare with


def _setting(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


@dataclass
class WebLoad:
    name: str
    phase: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int]
    socket_errors: int

    @classmethod
    def from_wrk(cls, name: str, phase: str, line: str) -> WebLoad:
        found = json.loads(line)
        return cls(
            name=name,
            phase=phase,
            requests=found["requests"],
            seconds=found["duration_us"] / 1e6,
            p50_ms=found["p50_us"] / 1000,
            p95_ms=found["p95_us"] / 1000,
            p99_ms=found["p99_us"] / 1000,
            statuses={key: found[key] for key in ("s2xx", "s3xx", "s4xx", "s5xx")},
            socket_errors=sum(
                found[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
            ),
        )


@dataclass
class RunResult:
    number: int
    subscribers: int
    rate: float
    queued: int = 0
    send_seconds: float = 0.0  # "Send now" POST answered, all rows queued
    campaign_seconds: float = 0.0  # from the POST to the last row finished
    killed_at_sent: int = 0
    killed_processes: int = 0
    sending_processes_killed: int = 0
    resent_per_process: int = 1  # what one killed sending process may send again
    stranded_rows: int = 0  # rows leased by the killed processes at the moment of the kill
    outbox: dict[str, int] = field(default_factory=dict)
    received: int = 0
    missing: int = 0
    duplicated_recipients: int = 0
    extra_copies: int = 0
    strangers: int = 0  # messages to addresses that are not subscribers
    web: list[WebLoad] = field(default_factory=list)
    machine_busy: float = 0.0  # cores busy on average during the campaign (all processes)
    problems: list[str] = field(default_factory=list)


def _seed(deployment: Deployment, subscribers: int) -> int:
    seed_users(deployment, role="staff", prefix="therapist", count=1)
    seed_users(deployment, role="client", prefix="runner-client", count=1)
    seed_records(deployment, prefix="runner-client", sessions=30, recommendations=5)
    deployment.execute(
        """
        INSERT INTO newsletter_subscribers (email, name, status, topic_tips, topic_news,
               topic_articles, tips_season, token_secret, created_at, requested_at,
               confirmed_at)
        SELECT 'subscriber' || n || '@example.com', 'Subscriber ' || n, 'confirmed', false,
               true, false, 1, md5(random()::text || n), now(), now(), now()
        FROM generate_series(1, :count) AS n
        """,
        count=subscribers,
    )
    deployment.execute(
        """
        INSERT INTO newsletter_campaigns (subject, body_markdown, topics, status, nonce,
                                          created_at, updated_at)
        VALUES ('Six weeks to race day', :body, 'news', 'draft',
                substr(md5(random()::text), 1, 16), now(), now())
        """,
        body=(
            "## The taper starts here\n\nSix weeks out, keep the easy runs easy and book "
            "your last deep session no later than ten days before the race.\n\n"
            "- sleep first\n- stretch the calves after every run\n- no new shoes"
        ),
    )
    return int(deployment.scalar("SELECT id FROM newsletter_campaigns"))  # type: ignore[arg-type]


def _outbox(deployment: Deployment, mailing: str) -> dict[str, int]:
    rows = deployment.rows(
        "SELECT status, count(*) FROM outbox WHERE mailing = :mailing GROUP BY status",
        mailing=mailing,
    )
    return {status: count for status, count in rows}


def _start_wrk(
    deployment: Deployment, name: str, url: str, cookie: str, seconds: int = 600
) -> Process:
    command = [WRK, "-t1", "-c4", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA), url]
    return deployment.spawn(name, command, {**os.environ, "WRK_COOKIE": cookie}, signal.SIGINT)


def _wrk_result(process: Process, phase: str) -> WebLoad:
    for line in reversed(process.log.read_text().splitlines()):
        if line.startswith("{"):
            return WebLoad.from_wrk(process.name, phase, line)
    raise RuntimeError(f"{process.name} printed no result:\n{process.log_tail()}")


def run_once(number: int) -> RunResult:
    subscribers = int(_setting("SCALE_SUBSCRIBERS", 20_000))
    rate = _setting("SCALE_RATE", 400)
    kill_at = _setting("SCALE_KILL_AT", 0.25)
    settings = {
        "MAIL_RATE_PER_SECOND": f"{rate:g}",
        "MAIL_LEASE_SECONDS": f"{_setting('SCALE_LEASE', 30):g}",
    }
    result = RunResult(number=number, subscribers=subscribers, rate=rate)
    with Deployment("scale", settings) as deployment:
        print(f"scale: run {number}: seeding {subscribers:,} subscribers …", file=sys.stderr)
        campaign_id = _seed(deployment, subscribers)
        mailing = f"campaign:{campaign_id}"
        webs = [deployment.start_web(f"web-{n}", workers=2) for n in (1, 2)]
        workers = [deployment.start_worker(f"worker-{n}") for n in (1, 2, 3)]
        sending_per_worker = int(deployment.env.get("MAIL_WORKERS") or 3)  # config.py default

        client = Browser(webs[1][1])
        client.sign_in("runner-client1@example.com")
        cookie = client.cookie_header()
        print(f"scale: run {number}: the web alone for {BASELINE_SECONDS} s …", file=sys.stderr)
        loads = [
            _start_wrk(deployment, f"wrk-web-{n}-alone", url, cookie, BASELINE_SECONDS)
            for n, (_, url) in enumerate(webs, start=1)
        ]
        for load in loads:
            load.popen.wait(timeout=BASELINE_SECONDS + 30)
        result.web = [_wrk_result(load, "web alone") for load in loads]
        loads = [
            _start_wrk(deployment, f"wrk-web-{n}-campaign", url, cookie)
            for n, (_, url) in enumerate(webs, start=1)
        ]
        staff = Browser(webs[0][1])
        staff.sign_in("therapist1@example.com")
        token = staff.csrf_token(f"/staff/newsletter/{campaign_id}")
        time.sleep(2)  # the web load is running before the campaign starts

        print(f"scale: run {number}: sending the campaign …", file=sys.stderr)
        machine_before, started = machine_cpu()[0], time.monotonic()
        answer = staff.request(f"/staff/newsletter/{campaign_id}/send", {"csrf_token": token})
        result.send_seconds = time.monotonic() - started
        if answer.status != 302:
            raise RuntimeError(f"Send now answered {answer.status}")
        result.queued = sum(_outbox(deployment, mailing).values())

        deadline = started + 3 * subscribers / rate + 300
        killed = False
        while True:
            time.sleep(0.25)
            counts = _outbox(deployment, mailing)
            sent = counts.get("sent", 0)
            if not killed and sent >= kill_at * result.queued:
                pids = deployment.kill(workers[0])
                killed = True
                result.killed_at_sent = sent
                result.killed_processes = len(pids)
                result.sending_processes_killed = sending_per_worker
                result.resent_per_process = resent_per_killed_process(
                    deployment.env, rate, sending_per_worker
                )
                result.stranded_rows = int(
                    deployment.scalar(  # type: ignore[arg-type]
                        "SELECT count(*) FROM outbox WHERE status = 'sending' "
                        "AND split_part(leased_by, ':', 2) = ANY(:pids)",
                        pids=[str(pid) for pid in pids],
                    )
                )
                print(
                    f"scale: run {number}: killed worker-1 ({len(pids)} processes) at "
                    f"{sent:,} sent; {result.stranded_rows} rows under its leases",
                    file=sys.stderr,
                )
                time.sleep(_setting("SCALE_RESTART_AFTER", 2))
                workers[0] = deployment.start_worker("worker-1-restarted")
            unfinished = sum(counts.get(status, 0) for status in ("pending", "sending", "paused"))
            if killed and unfinished == 0:
                break
            if time.monotonic() > deadline:
                result.problems.append(f"campaign not finished in time: {counts}")
                break
        result.campaign_seconds = time.monotonic() - started
        result.machine_busy = (machine_cpu()[0] - machine_before) / result.campaign_seconds

        for load in loads:
            deployment.stop(load)
        result.web += [_wrk_result(load, "during the campaign") for load in loads]
        for process in [*workers, *(web for web, _ in webs)]:
            deployment.stop(process)
        result.outbox = _outbox(deployment, mailing)
        emails = {
            row[0]
            for row in deployment.rows(
                "SELECT email FROM newsletter_subscribers WHERE status = 'confirmed'"
            )
        }
        received = deployment.smtp_counts()
        _check(result, emails, received)  # type: ignore[arg-type]
    return result


def resent_per_killed_process(env: Mapping[str, str], rate: float, sharing: int) -> int:
    """The accepted messages one killed sending process may not have marked sent yet: its
    sent-mark group under this rate, as the pipeline limits it (defaults as in config.py)."""
    from portal.mail.delivery import sent_group_limit

    size = max(1, int(env.get("MAIL_SENT_GROUP_SIZE") or 20))
    window = float(env.get("MAIL_SENT_GROUP_MS") or 20) / 1000
    return sent_group_limit(size, window, sharing / rate if rate else 0.0)


def _check(result: RunResult, emails: set[str], received: dict[str, object]) -> None:
    copies: dict[str, int] = received["recipients"]  # type: ignore[assignment]
    result.received = int(received["messages"])  # type: ignore[call-overload]
    result.missing = sum(1 for email in emails if copies.get(email, 0) == 0)
    result.duplicated_recipients = sum(1 for email in emails if copies.get(email, 0) > 1)
    result.extra_copies = sum(max(0, copies.get(email, 0) - 1) for email in emails)
    result.strangers = sum(count for address, count in copies.items() if address not in emails)
    if result.queued != result.subscribers:
        result.problems.append(f"queued {result.queued} of {result.subscribers}")
    if result.missing:
        result.problems.append(f"{result.missing} subscribers got no copy")
    allowed = result.sending_processes_killed * result.resent_per_process
    if result.extra_copies > allowed:
        result.problems.append(
            f"{result.extra_copies} duplicates, more than {result.resent_per_process} per killed "
            f"sending process ({result.sending_processes_killed})"
        )
    if result.strangers:
        result.problems.append(f"{result.strangers} messages to addresses that did not subscribe")
    left = {status: count for status, count in result.outbox.items() if status != "sent"}
    if left:
        result.problems.append(f"outbox rows not sent: {left}")
    for load in result.web:
        if load.statuses["s5xx"]:
            result.problems.append(f"{load.name}: {load.statuses['s5xx']} answers were 5xx")
        if load.socket_errors:
            result.problems.append(f"{load.name}: {load.socket_errors} socket errors or timeouts")
        if load.statuses["s3xx"] or load.statuses["s4xx"]:
            result.problems.append(f"{load.name}: unexpected answers {load.statuses}")


def tables(results: list[RunResult]) -> str:
    mail = markdown_table(
        [
            "run",
            " subscribers",
            " rate (/s)",
            " campaign",
            " messages/s",
            " killed at (sent)",
            " rows under the dead leases",
            " received",
            " missing",
            " duplicates (allowed)",
            "outbox at the end",
            " machine busy (cores)",
        ],
        [
            (
                result.number,
                f"{result.subscribers:,}",
                f"{result.rate:g}",
                f"{result.campaign_seconds:.0f} s",
                f"{result.queued / result.campaign_seconds:.0f}",
                f"{result.killed_at_sent:,}",
                result.stranded_rows,
                f"{result.received:,}",
                result.missing,
                f"{result.extra_copies} "
                f"({result.sending_processes_killed * result.resent_per_process})",
                ", ".join(f"{status} {count:,}" for status, count in sorted(result.outbox.items())),
                f"{result.machine_busy:.2f} of {os.cpu_count()}",
            )
            for result in results
        ],
    )
    web = markdown_table(
        [
            "run",
            "instance",
            "while",
            " requests",
            " requests/s",
            " p50",
            " p95",
            " p99",
            " 2xx",
            " 3xx/4xx",
            " 5xx",
            " socket errors",
        ],
        [
            (
                result.number,
                load.name.removeprefix("wrk-").rsplit("-", 1)[0],
                load.phase,
                f"{load.requests:,}",
                f"{load.requests / load.seconds:,.0f}",
                f"{load.p50_ms:.0f} ms",
                f"{load.p95_ms:.0f} ms",
                f"{load.p99_ms:.0f} ms",
                f"{load.statuses['s2xx']:,}",
                load.statuses["s3xx"] + load.statuses["s4xx"],
                load.statuses["s5xx"],
                load.socket_errors,
            )
            for result in results
            for load in result.web
        ],
    )
    return (
        "Campaign through 3 `flask worker` (one killed with kill -9 and restarted), "
        "mail counted per recipient by the loopback SMTP server\n\n"
        f"{mail}\n\nThe web: wrk, 4 connections per gunicorn instance (2 workers each), a "
        f"mix of public and signed-in pages, for {BASELINE_SECONDS} s before the campaign "
        f"(web alone), then from the send until the last message\n\n{web}"
    )


def main() -> int:
    if not Path(WRK).exists():
        print("scale: needs wrk (apt-get install wrk)", file=sys.stderr)
        return 1
    runs = int(_setting("SCALE_RUNS", 2))
    results = [run_once(number) for number in range(1, runs + 1)]
    print(tables(results))
    failed = [problem for result in results for problem in result.problems]
    for result in results:
        for problem in result.problems:
            print(f"run {result.number}: FAILED: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
