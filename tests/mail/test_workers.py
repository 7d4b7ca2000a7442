"""Real ``flask worker`` processes: a crash loses nothing, two workers never double-send."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage
from tests.fixtures.mail import queue, rows, status_counts, wait_until

pytestmark = pytest.mark.slow


def _sent(app) -> int:  # type: ignore[no-untyped-def]
    return status_counts(app).get("sent", 0)


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_at_most_one(
    app, smtp_server, worker_processes
):
    addresses = queue(app, 2000)

    # At most 250 emails a second: the first worker needs 8 s or more for all of them, so it
    # is killed in the middle of its work on a fast machine as on a slow one.
    first = worker_processes.start(workers=1, rate=250)
    wait_until(lambda: len(smtp_server.messages) >= 500, 60, "the first worker sent too little")
    worker_processes.kill(first)
    received_before_kill = len(smtp_server.messages)
    assert received_before_kill < 2000, "the worker finished before it could be killed"

    second = worker_processes.start(workers=1)
    wait_until(lambda: _sent(app) == 2000, 90, f"not all sent: {status_counts(app)}")
    assert worker_processes.stop(second) == 0

    received = Counter(message.recipients[0] for message in smtp_server.messages)
    assert set(received) == set(addresses), "someone got nothing"
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= 1, f"{duplicates} duplicates for one kill"
    assert status_counts(app) == {"sent": 2000}  # none left sending


def test_two_workers_draining_one_outbox_never_send_a_row_twice(app, smtp_server, worker_processes):
    # Each worker sends at most 300 emails a second, so one alone would need 5 s or more:
    # both are busy at the same time whatever the machine's speed.
    first = worker_processes.start(workers=1, rate=300)
    second = worker_processes.start(workers=1, rate=300)
    queue(app, 1500)
    worker_processes.request_delivery(times=2)  # both are idle: one task each
    wait_until(lambda: _sent(app) == 1500, 90, f"not all sent: {status_counts(app)}")
    for worker in (first, second):
        assert worker_processes.stop(worker) == 0

    received = Counter(message.recipients[0] for message in smtp_server.messages)
    assert len(received) == 1500
    assert max(received.values()) == 1
    message_ids = Counter(message.message["Message-ID"] for message in smtp_server.messages)
    assert max(message_ids.values()) == 1
    senders = Counter(row.leased_by.rsplit(":", 1)[0] for row in rows(app))
    assert len(senders) == 2, f"one worker did everything: {senders}"


def test_a_stopped_worker_leaves_no_row_sending_and_the_next_one_resumes(
    app, smtp_server, worker_processes
):
    queue(app, 600)
    worker = worker_processes.start(workers=2)
    wait_until(lambda: len(smtp_server.messages) >= 100, 60, "nothing was sent")

    assert worker_processes.stop(worker) == 0  # Ctrl-C: finish the batch, give back the rest
    counts = status_counts(app)
    assert "sending" not in counts
    with app.app_context():
        sent = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.status == "sent"))
    assert sent == len(smtp_server.messages)

    worker = worker_processes.start(workers=2)
    wait_until(lambda: _sent(app) == 600, 60, f"not all sent: {status_counts(app)}")
    worker_processes.stop(worker)
    assert len(smtp_server.messages) == 600
