"""The worker through a Redis outage, with a real ``redis-server`` that is stopped and
restarted empty: it logs each kind of error once (not a traceback per attempt), backs off
its reads, and sends what was queued meanwhile as soon as Redis answers again, without
waiting for the minute sweep."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage
from portal.models.types import utcnow
from tests.fixtures.mail import queue, wait_until
from tests.fixtures.smtp import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


@dataclass
class PrivateRedis:
    """A ``redis-server`` of this test's own, keeping nothing on disk (a restart is empty)."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 10, "redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _sent_at(app, address: str):  # type: ignore[no-untyped-def]
    with app.app_context():
        found = db.session.scalar(
            sa.select(OutboxMessage.sent_at).where(OutboxMessage.to_address == address)
        )
        db.session.rollback()
    return found


def test_a_redis_outage_is_logged_once_and_sending_resumes_when_it_restarts_empty(
    app, smtp_server, private_redis, worker_processes
):
    worker_processes.env["REDIS_URL"] = private_redis.url
    worker = worker_processes.start(workers=1)
    (before,) = queue(app, 1, prefix="before")
    worker_processes.request_delivery()
    wait_until(lambda: _sent_at(app, before) is not None, 30, "nothing sent before the outage")

    private_redis.stop()
    (during,) = queue(app, 1, prefix="during")  # the request could not ask a worker
    time.sleep(8)  # the outage: about 80 failed reads a process at Huey's 0.1 s polling
    private_redis.start()  # empty: every queued task is gone
    restarted_at = utcnow()
    wait_until(lambda: _sent_at(app, during) is not None, 60, "nothing sent after the restart")
    resumed_after = (_sent_at(app, during) - restarted_at).total_seconds()
    worker_processes.stop(worker)

    log = worker_processes.log(worker)
    assert resumed_after < 5, f"sending resumed {resumed_after:.1f} s after Redis came back"
    assert log.count("Error reading from queue") == 1, log
    errors = [line for line in log.splitlines() if '"level": "error"' in line]
    assert len(errors) <= 3, log  # one per kind: the queue read, the schedule read…
    failed_reads = [int(n) for n in re.findall(r"answers again after (\d+) failed reads", log)]
    assert failed_reads and max(failed_reads) <= 10, log  # backed off, not 10 a second
