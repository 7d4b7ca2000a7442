"""Fixtures for the mail pipeline: an app wired to the loopback SMTP server, queueing and
delivering helpers, and real ``flask worker`` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.mail import enqueue_email
from portal.mail.delivery import BatchReport, deliver_due_mail
from portal.mail.pacing import Pacer
from portal.mail.queue import mail_queue
from portal.models import MailCategory, OutboxMessage
from portal.models.types import utcnow
from tests.conftest import make_test_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp_app(database_url: str, smtp_server, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app sending to ``smtp_server``; ``@pytest.mark.config`` adds settings."""
    overrides: dict[str, object] = {**smtp_server.app_settings()}
    for marker in request.node.iter_markers("config"):
        overrides.update(marker.kwargs)
    application = make_test_app(database_url, **overrides)
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def queue(
    app: Flask,
    count: int = 1,
    *,
    prefix: str = "runner",
    category: MailCategory = MailCategory.TRANSACTIONAL,
    **fields: object,
) -> list[str]:
    """Queue ``count`` invitation emails to prefix0@example.com…; returns the addresses."""
    addresses = [f"{prefix}{number}@example.com" for number in range(count)]
    with app.app_context():
        for address in addresses:
            values = {
                "to": address,
                "to_name": "A Runner",
                "subject": "Your Massage Works client account",
                "template": "invite",
                "context": {"name": "A Runner", "link": "https://massageworks.example/x"},
                "idempotency_key": f"test:{address}:{category}",
                "category": category,
                **fields,
            }
            enqueue_email(**values)
        db.session.commit()
    return addresses


class FakeClock:
    """Wall clock for the outbox, monotonic clock and sleep for the pacer: all fake time."""

    def __init__(self) -> None:
        self.start = utcnow() + timedelta(minutes=1)  # rows queued by the test are due
        self.seconds = 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds

    def advance(self, **delta: float) -> None:
        self.seconds += timedelta(**delta).total_seconds()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def deliver(app: Flask, clock: FakeClock | None = None) -> BatchReport:
    """Deliver everything due, in this process (what a worker's tasks do)."""
    with app.app_context():
        if clock is None:
            return deliver_due_mail(app)
        pacer = Pacer(app.config["MAIL_RATE_PER_SECOND"], clock=clock.monotonic, sleep=clock.sleep)
        return deliver_due_mail(app, pacer=pacer, clock=clock.now)


def rows(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return list(found)


def status_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        counts = db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
        db.session.rollback()
        return dict(counts)  # type: ignore[arg-type]


# --- real worker processes -------------------------------------------------------------


@dataclass
class WorkerProcesses:
    """``flask --app wsgi worker`` processes on the test's database and SMTP server."""

    env: dict[str, str]
    directory: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, *, workers: int = 1) -> subprocess.Popen[bytes]:
        log_path = self.directory / f"worker-{len(self.started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
                + ["--workers", str(workers)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill -9 takes all of it
            )
        process.log_path = log_path  # type: ignore[attr-defined]
        self.started.append(process)
        deadline = time.monotonic() + 30
        while b"consumer started" not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker did not start:\n{log_path.read_text()}")
            time.sleep(0.05)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """A crash: SIGKILL to every process of the worker, no cleanup of any kind."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, process: subprocess.Popen[bytes]) -> int:
        """Ctrl-C: the worker finishes its batch and exits."""
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        return process.wait(timeout=30)

    def request_delivery(self, times: int = 1) -> None:
        """Queue ``deliver_mail`` tasks for the workers, as a committing request does."""
        app = make_test_app(
            self.env["DATABASE_URL"],
            HUEY_IMMEDIATE=False,
            HUEY_NAME=self.env["HUEY_NAME"],
            HUEY_SQLITE_PATH=self.env["HUEY_SQLITE_PATH"],
            REDIS_URL=self.env.get("REDIS_URL"),
        )
        queue_ = mail_queue(app)
        for _ in range(times):
            queue_.request_delivery()

    def log(self, process: subprocess.Popen[bytes]) -> str:
        return process.log_path.read_text()  # type: ignore[attr-defined]

    def cleanup(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def worker_processes(database_url: str, smtp_server, tmp_path: Path) -> Iterator[WorkerProcesses]:
    """Workers configured through the environment, as in production.

    They use the production settings class with this test's database (``DATABASE_URL``),
    the loopback SMTP server, short leases (a killed worker's rows come back in 2 s) and a
    task queue of their own (a SQLite file in the test's folder, or a Redis queue with a
    unique name when ``REDIS_URL`` is set).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TEST_DATABASE_URL", "PORTAL_CONFIG", "MAIL_RATE_PER_SECOND")
    }
    env.update(
        {
            "PORTAL_CONFIG": "production",
            "SECRET_KEY": "worker-test-secret-key-0123456789abcdefghij",
            "DATABASE_URL": database_url,
            "MAIL_SERVER": smtp_server.host,
            "MAIL_PORT": str(smtp_server.port),
            "MAIL_LEASE_SECONDS": "2",
            "MAIL_BATCH_SIZE": "20",
            "HUEY_NAME": f"test-{uuid.uuid4().hex[:12]}",
            "HUEY_SQLITE_PATH": str(tmp_path / "tasks.sqlite"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    processes = WorkerProcesses(env=env, directory=tmp_path)
    try:
        yield processes
    finally:
        processes.cleanup()
        if env.get("REDIS_URL"):
            from huey import RedisHuey

            RedisHuey(env["HUEY_NAME"], url=env["REDIS_URL"]).flush()


def wait_until(condition, timeout: float, message: str) -> None:  # type: ignore[no-untyped-def]
    """Poll ``condition`` (real processes do the work); never asserts how long it took."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.1)
