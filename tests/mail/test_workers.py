"""Real ``flask worker`` processes: a crash loses nothing, two workers never double-send."""

from __future__ import annotations

import subprocess
import threading
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
    """Marking each message sent on its own (``MAIL_SENT_GROUP_SIZE=1``): one duplicate."""
    worker_processes.env["MAIL_SENT_GROUP_SIZE"] = "1"
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


def test_a_kill_between_accepted_messages_and_their_group_sent_mark_resends_only_the_group(
    app, smtp_server, worker_processes
):
    """Groups of 8 (closed by size only here): the worker dies while the server stores the
    7th message, six accepted messages not yet marked sent. Those six and the seventh are
    sent again, nothing is lost, and nothing else is doubled."""
    worker_processes.env.update(MAIL_SENT_GROUP_SIZE="8", MAIL_SENT_GROUP_MS="60000")
    addresses = queue(app, 40)
    started = threading.Event()
    victim: list[subprocess.Popen[bytes]] = []
    original = smtp_server.handler.handle_DATA

    async def crash_on_the_seventh(server, session, envelope):  # type: ignore[no-untyped-def]
        reply = await original(server, session, envelope)
        if len(smtp_server.handler.messages) == 7:  # stored, its 250 not yet written
            started.wait(30)
            worker_processes.kill(victim[0])
        return reply

    smtp_server.handler.handle_DATA = crash_on_the_seventh
    victim.append(worker_processes.start(workers=1))
    started.set()
    wait_until(lambda: victim[0].poll() is not None, 60, "the worker was not killed")
    assert status_counts(app) == {"sending": 20, "pending": 20}  # nothing was marked sent

    smtp_server.handler.handle_DATA = original
    second = worker_processes.start(workers=1)
    wait_until(lambda: _sent(app) == 40, 90, f"not all sent: {status_counts(app)}")
    assert worker_processes.stop(second) == 0

    received = Counter(message.recipients[0] for message in smtp_server.messages)
    assert set(received) == set(addresses), "someone got nothing"
    doubled = sorted(address for address, count in received.items() if count > 1)
    assert doubled == sorted(f"runner{n}@example.com" for n in range(7))  # ≤ one group
    assert max(received.values()) == 2
    assert status_counts(app) == {"sent": 40}


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
