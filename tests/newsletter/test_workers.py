"""Campaigns with a real SMTP server and real ``flask worker`` processes: 1,000 subscribers
get exactly one copy each; a worker killed mid-campaign loses no one; the CLI follows a
campaign to its last message."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from portal.extensions import db
from portal.mail.delivery import sent_group_limit
from portal.models import Campaign
from portal.newsletter import campaigns
from tests.conftest import make_test_app
from tests.fixtures.mail import queue as queue_mail
from tests.fixtures.mail import status_counts, wait_until
from tests.fixtures.newsletter import Newsletter

pytestmark = pytest.mark.slow


def make_campaign(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        campaign = Campaign(
            subject="Autumn marathon clinic", body_markdown="Come **along**.", topics="news"
        )
        db.session.add(campaign)
        db.session.commit()
        return campaign.id


def queue(app, campaign_id: int) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        queued = campaigns.queue(db.session.get(Campaign, campaign_id))
        db.session.commit()
        return queued


def _sent(app) -> int:  # type: ignore[no-untyped-def]
    return status_counts(app).get("sent", 0)


def test_a_campaign_to_1000_subscribers_delivers_one_copy_each_with_both_headers(
    app, smtp_server, worker_processes
):
    Newsletter(app).many(1000, topics=("news",))
    campaign_id = make_campaign(app)
    worker = worker_processes.start(workers=2)
    assert queue(app, campaign_id) == 1000
    worker_processes.request_delivery()
    wait_until(lambda: _sent(app) == 1000, 120, f"not all sent: {status_counts(app)}")
    assert worker_processes.stop(worker) == 0

    received = Counter(message.recipients[0] for message in smtp_server.messages)
    assert len(received) == 1000 and max(received.values()) == 1
    for message in smtp_server.messages:
        headers = message.message
        assert headers["List-Unsubscribe"].startswith(
            "<http://127.0.0.1:5000/newsletter/unsubscribe/"
        )
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len({m.message["List-Unsubscribe"] for m in smtp_server.messages}) == 1000


def test_a_worker_killed_mid_campaign_loses_no_one_and_doubles_at_most_one_group(
    app, smtp_server, worker_processes
):
    Newsletter(app).many(1500, topics=("news",))
    campaign_id = make_campaign(app)
    queue(app, campaign_id)
    # 250 emails a second at most: the kill lands mid-campaign on a fast machine too.
    first = worker_processes.start(workers=1, rate=250)
    worker_processes.request_delivery()
    wait_until(lambda: len(smtp_server.messages) >= 300, 60, "the first worker sent too little")
    worker_processes.kill(first)
    assert len(smtp_server.messages) < 1500, "the campaign finished before the kill"

    second = worker_processes.start(workers=2)
    wait_until(lambda: _sent(app) == 1500, 120, f"not all sent: {status_counts(app)}")
    assert worker_processes.stop(second) == 0
    received = Counter(message.recipients[0] for message in smtp_server.messages)
    assert len(received) == 1500, "someone got nothing"
    # One killed sending process: at most its sent-mark group (5 at 250/s and 20 ms).
    group = sent_group_limit(
        app.config["MAIL_SENT_GROUP_SIZE"], app.config["MAIL_SENT_GROUP_MS"] / 1000, 1 / 250
    )
    assert sum(count - 1 for count in received.values()) <= group


def test_newsletter_send_follows_the_campaign_to_its_last_message(
    app, smtp_server, worker_processes
):
    Newsletter(app).many(120, topics=("news",))
    campaign_id = make_campaign(app)
    worker = worker_processes.start(workers=2, rate=200)
    # The operator's app talks to the workers' queue, as `flask --app wsgi newsletter` does.
    env = worker_processes.env
    operator = make_test_app(
        env["DATABASE_URL"],
        HUEY_IMMEDIATE=False,
        HUEY_NAME=env["HUEY_NAME"],
        HUEY_SQLITE_PATH=env["HUEY_SQLITE_PATH"],
        REDIS_URL=env.get("REDIS_URL"),
    )
    result = operator.test_cli_runner().invoke(
        args=["newsletter", "send", str(campaign_id), "--poll", "0.1"]
    )
    with operator.app_context():
        db.engine.dispose()  # its connections are closed now, not whenever it is collected
    assert result.exit_code == 0, result.output
    assert f"queued 120 messages for campaign {campaign_id}" in result.output
    assert "pending 0, sending 0, paused 0, sent 120, failed 0, suppressed 0" in result.output
    assert len(smtp_server.messages) == 120  # the bar ended when the last one was sent
    worker_processes.stop(worker)

    status = app.test_cli_runner().invoke(args=["newsletter", "status", str(campaign_id)])
    assert status.exit_code == 0
    assert "status: queued" in status.output and "sent 120" in status.output


def test_newsletter_send_here_delivers_without_a_worker(smtp_app, smtp_server):
    Newsletter(smtp_app).many(30, topics=("news",))
    campaign_id = make_campaign(smtp_app)
    runner = smtp_app.test_cli_runner()
    result = runner.invoke(args=["newsletter", "send", str(campaign_id), "--here"])
    assert result.exit_code == 0, result.output
    assert "sent 30" in result.output and len(smtp_server.messages) == 30
    again = runner.invoke(args=["newsletter", "send", str(campaign_id), "--here"])
    assert "already queued" in again.output and len(smtp_server.messages) == 30
    for bad in ("0", "abc", "99999999999", "999"):
        assert runner.invoke(args=["newsletter", "status", bad]).exit_code != 0, bad


def test_a_paused_campaign_sends_nothing_more_when_a_killed_workers_leases_end(
    app, smtp_server, worker_processes
):
    """Pause while one worker is dead (its claimed rows under a lease) and another sends: the
    sweep gives the dead worker's rows back held, and the live worker stops at its next
    message. Only what was on the wire when pause was pressed goes out."""
    Newsletter(app).many(600, topics=("news",))
    campaign_id = make_campaign(app)
    queue(app, campaign_id)
    killed = worker_processes.start(workers=1, rate=20)
    alive = worker_processes.start(workers=1, rate=20)
    worker_processes.request_delivery(2)
    wait_until(lambda: len(smtp_server.messages) >= 20, 60, "the campaign did not start")
    worker_processes.kill(killed)
    with app.app_context():
        campaigns.pause(db.session.get(Campaign, campaign_id))
        db.session.commit()
    # At most one message per sending process was on the wire: the killed one's last write,
    # which the server may still be reading, and the live one's next, whose envelope the
    # server already has (pipelining).
    on_the_wire = len(smtp_server.messages) + 2
    assert on_the_wire < 300, "the campaign went too fast to be paused in the middle"

    time.sleep(2.5)  # the killed worker's leases (2 s in these tests) run out
    queue_mail(app, 1, prefix="later")  # transactional mail still flows
    worker_processes.request_sweep()
    wait_until(
        lambda: any(m.recipients == ["later0@example.com"] for m in smtp_server.messages),
        30,
        "the live worker sent nothing after the pause",
    )
    wait_until(
        lambda: not {"pending", "sending"} & set(_campaign_counts(app, campaign_id)),
        30,
        f"campaign rows still queued: {_campaign_counts(app, campaign_id)}",
    )
    worker_processes.stop(alive)
    campaign_mail = [m for m in smtp_server.messages if m.recipients != ["later0@example.com"]]
    assert len(campaign_mail) <= on_the_wire
    counts = _campaign_counts(app, campaign_id)
    assert set(counts) == {"sent", "paused"} and sum(counts.values()) == 600


def _campaign_counts(app, campaign_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        counts = campaigns.progress(f"campaign:{campaign_id}").counts
        db.session.rollback()
    return {state: count for state, count in counts.items() if count}
