"""The benchmark's measurements (see ``bench/__main__.py``)."""

from __future__ import annotations

import itertools
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SENDER = "hello@massageworks.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_sink(executable: str) -> Iterator[int]:
    """Postfix's smtp-sink on a free loopback port: accepts everything, keeps nothing."""
    port = free_port()
    sink = subprocess.Popen([executable, "-u", "nobody", f"127.0.0.1:{port}", "1000"])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        sink.terminate()
        sink.wait(timeout=10)


# --- the messages ------------------------------------------------------------------------


def subscriber_context(number: int) -> dict[str, object]:
    """What a campaign would put in the context of one subscriber's tips email."""
    return {
        "name": f"Runner {number}",
        "email": f"runner{number}@example.com",
        "weeks_to_race": 6 + number % 10,
        "race_name": ("the Riverside Marathon", "the Hills Half", "the Trail 30K")[number % 3],
        "long_run_km": 18 + number % 14,
        "therapist": "Sam",
        "article_url": "https://massageworks.example/blog/calf-routine-for-marathon-training",
        "preferences_url": f"https://massageworks.example/newsletter/preferences/t{number:08d}",
        "unsubscribe_url": f"https://massageworks.example/newsletter/unsubscribe/t{number:08d}",
    }


def outbox_rows(count: int, sender_domain: str) -> Iterator[dict[str, object]]:
    """Rows as ``enqueue_email`` writes them for a newsletter campaign."""
    from portal.mail.compose import new_message_id
    from portal.models.outbox import MailCategory, MailPriority, OutboxStatus
    from portal.models.types import utcnow

    now = utcnow()
    for number in range(count):
        yield {
            "idempotency_key": f"bench-campaign:{number}",
            "category": MailCategory.NEWSLETTER.value,
            "priority": MailPriority.NEWSLETTER.value,
            "to_address": f"runner{number}@example.com",
            "to_name": f"Runner {number}",
            "subject": "Six weeks to go: keep the easy runs easy",
            "template": "training_tips",
            "context": subscriber_context(number),
            "headers": {
                "List-Unsubscribe": (
                    f"<https://massageworks.example/newsletter/unsubscribe/t{number:08d}>"
                ),
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "message_id": new_message_id(sender_domain),
            "request_id": None,
        }


def _bench_app(database_url: str):  # type: ignore[no-untyped-def]
    from bench.app import with_bench_templates
    from config import TestingConfig
    from portal import create_app

    config = TestingConfig(database_url=database_url)
    config.HUEY_IMMEDIATE = False
    config.HUEY_NAME = "bench"
    return with_bench_templates(create_app(config))


def realistic_messages(count: int, workdir: Path) -> list[tuple[str, bytes]]:
    """``count`` composed messages, exactly as the pipeline would send them."""
    from portal.core.practice import from_config
    from portal.mail.claim import ClaimedRow
    from portal.mail.compose import Sender
    from portal.mail.delivery import compose_row

    app = _bench_app(f"sqlite:///{workdir / 'compose.sqlite'}")
    sender = Sender.parse(app.config["MAIL_DEFAULT_SENDER"])
    practice = from_config(app.config)
    messages = []
    with app.app_context():
        for values in outbox_rows(count, sender.domain):
            row = ClaimedRow(
                id=0,
                attempts=0,
                **{
                    name: values[name]
                    for name in ClaimedRow.__dataclass_fields__
                    if name not in ("id", "attempts")
                },
            )
            messages.append(
                (
                    row.to_address,
                    compose_row(app, row, sender=sender, practice=practice, date=time.time()),
                )
            )
    return messages


# --- the baselines -----------------------------------------------------------------------


def measure_smtplib(messages: list[tuple[str, bytes]], port: int) -> float:
    """Emails/second of the simplest client: one connection, one sendmail per message."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for recipient, raw in messages:
            client.sendmail(SENDER, [recipient], raw)
    return len(messages) / (time.perf_counter() - started)


def measure_smtp_source(executable: str, raw: bytes, count: int, port: int, workdir: Path) -> float:
    """Emails/second of Postfix's own load generator, 4 sessions kept open (-d)."""
    message_file = workdir / "message.eml"
    message_file.write_bytes(raw.replace(b"\r\n", b"\n"))
    command = [executable, "-d", "-s", "4", "-m", str(count), "-F", str(message_file)]
    command += ["-f", SENDER, "-t", "runner@example.com", f"127.0.0.1:{port}"]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return count / (time.perf_counter() - started)


# --- the pipeline ------------------------------------------------------------------------


@dataclass
class PipelineResult:
    rate: float
    peak_rss_mb: float  # the largest VmHWM among the worker's processes
    peak_pss_mb: float  # the largest sampled sum of PSS over the worker's processes
    processes: int
    describe: str


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _environment(database_url: str, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "TEST_DATABASE_URL", "PORTAL_CONFIG")
    }
    env.update(
        {
            "PORTAL_CONFIG": "production",
            "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdef",
            "DATABASE_URL": database_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(port),
            "HUEY_NAME": "bench",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "bench.app", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while b"consumer started" not in log_path.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start:\n{log_path.read_text()}")
        time.sleep(0.1)
    time.sleep(1.0)  # let the forked processes settle into their polling loop
    return worker


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    os.killpg(worker.pid, signal.SIGINT)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def _count_not_sent(app, count: int) -> int:  # type: ignore[no-untyped-def]
    from portal.extensions import db
    from portal.models.outbox import OutboxMessage, OutboxStatus

    sent = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.status == OutboxStatus.SENT)
    )
    db.session.rollback()
    return count - sent


def measure_pipeline(count: int, port: int, workdir: Path, database_url: str) -> PipelineResult:
    """Queue ``count`` rows in one transaction; time until the worker marked all sent.

    ``database_url`` is scratch: its outbox is dropped and created again."""
    from portal.extensions import db
    from portal.mail.compose import Sender
    from portal.mail.queue import mail_queue
    from portal.models.outbox import OutboxMessage, OutboxStatus

    workdir.mkdir(parents=True)
    app = _bench_app(database_url)
    outbox = OutboxMessage.__table__
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    env = _environment(database_url, port)
    worker = _start_worker(env, workdir / "worker.log")
    try:
        with app.app_context():
            sender = Sender.parse(app.config["MAIL_DEFAULT_SENDER"])
            rows = list(outbox_rows(count, sender.domain))
            with db.engine.begin() as conn:
                for start in range(0, count, 5_000):
                    conn.execute(outbox.insert(), rows[start : start + 5_000])
            del rows
            started = time.perf_counter()
            mail_queue(app).request_delivery()
            peak_pss = 0
            # Cheap while rows are pending (the partial claim index answers), a full count
            # only for the last batch, so the watching takes no CPU from the worker.
            any_pending = sa.select(sa.exists().where(outbox.c.status == OutboxStatus.PENDING))
            unfinished = sa.select(sa.func.count()).where(
                outbox.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
            )
            deadline = time.monotonic() + 120 + count / 200
            with db.engine.connect() as conn:
                for tick in itertools.count():
                    time.sleep(0.05)
                    if tick % 10 == 0:  # sampling memory costs CPU the worker could use
                        pids = process_tree(worker.pid)
                        peak_pss = max(peak_pss, sum(_pss_kb(pid) for pid in pids))
                    done = not conn.scalar(any_pending) and conn.scalar(unfinished) == 0
                    conn.rollback()
                    if done:
                        break
                    if time.monotonic() > deadline or worker.poll() is not None:
                        raise RuntimeError(
                            f"pipeline stalled:\n{(workdir / 'worker.log').read_text()}"
                        )
            failed = _count_not_sent(app, count)
            if failed:
                raise RuntimeError(f"{failed} rows were not sent; see {workdir / 'worker.log'}")
            elapsed = time.perf_counter() - started
            db.engine.dispose()
        pids = process_tree(worker.pid)
        peak_rss = max(_status_kb(pid, "VmHWM") for pid in pids)
        workers = app.config["MAIL_WORKERS"]
        describe = f"{workers} processes, batches of {app.config['MAIL_BATCH_SIZE']}"
        return PipelineResult(
            rate=count / elapsed,
            peak_rss_mb=peak_rss / 1024,
            peak_pss_mb=peak_pss / 1024,
            processes=len(pids),
            describe=describe,
        )
    finally:
        _stop_worker(worker)
