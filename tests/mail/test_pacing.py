"""MAIL_RATE_PER_SECOND is kept within ±10% over a minute (on fake time: no wall clock)."""

from __future__ import annotations

import itertools
import os
import uuid

import pytest
import redis

from portal.mail.pacing import Pacer, SharedPacer
from portal.mail.tasks import sending_pacer
from tests.fixtures.mail import FakeClock, deliver, queue


@pytest.mark.parametrize("rate", [0.5, 7, 50])
@pytest.mark.parametrize("cost", [0.0, 0.6])  # seconds a send takes, as a share of the interval
def test_sends_per_minute_stay_within_ten_percent_of_the_rate(rate, cost):
    clock = FakeClock()
    pacer = Pacer(rate, clock=clock.monotonic, sleep=clock.sleep)
    sent_at = []
    while clock.monotonic() < 180:
        pacer.wait()
        sent_at.append(clock.monotonic())
        clock.sleep(cost / rate)

    for start in range(0, 120, 15):  # every one-minute window
        in_window = sum(start <= t < start + 60 for t in sent_at)
        assert rate * 60 * 0.9 <= in_window <= rate * 60 * 1.1, (start, in_window)


def test_an_idle_spell_does_not_become_a_burst():
    clock = FakeClock()
    pacer = Pacer(10, clock=clock.monotonic, sleep=clock.sleep)
    pacer.wait()
    clock.sleep(30)  # nothing to send for half a minute
    sent_at = []
    for _ in range(20):
        pacer.wait()
        sent_at.append(clock.monotonic())
    assert sent_at[-1] - sent_at[0] == pytest.approx(1.9)


def test_without_a_limit_the_pacer_never_sleeps():
    clock = FakeClock()
    pacer = Pacer(None, clock=clock.monotonic, sleep=clock.sleep)
    for _ in range(1000):
        pacer.wait()
    assert clock.monotonic() == 0


@pytest.mark.config(MAIL_RATE_PER_SECOND=5, MAIL_LEASE_SECONDS=4, MAIL_BATCH_SIZE=100)
def test_delivery_is_paced_and_claims_no_more_than_half_a_lease_can_send(smtp_app, clock):
    queue(smtp_app, 30)

    report = deliver(smtp_app, clock)

    assert report.sent == 30
    assert clock.monotonic() == pytest.approx(29 / 5)  # 30 sends, 29 intervals
    with smtp_app.app_context():
        from portal.mail.delivery import DeliverySettings

        settings = DeliverySettings.from_app(smtp_app)
        assert settings.claim_size(Pacer(5)) == 10  # 4 s lease / 2 × 5 per second


needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis: make test REDIS_URL=… (.ci/run does)"
)


@needs_redis
def test_worker_hosts_sharing_redis_take_turns_on_one_schedule():
    """Two hosts' pacers at 50/s: their slots interleave 20 ms apart, never together."""
    url, key = os.environ["REDIS_URL"], f"test-pacing:{uuid.uuid4().hex}"
    waits: list[float] = []
    host_a = SharedPacer(50, redis.Redis.from_url(url), key=key, sleep=waits.append)
    host_b = SharedPacer(50, redis.Redis.from_url(url), key=key, sleep=waits.append)
    slots = []
    for _ in range(50):
        for host in (host_a, host_b):
            host.wait()
            slots.append(host.last_slot)
    # Nobody really slept (sleeps were recorded), so the hosts asked faster than 50/s: each
    # got the next slot of the one schedule, exactly 20 ms (20,000 µs) after the previous.
    assert [later - earlier for earlier, later in itertools.pairwise(slots)] == [20_000] * 99
    assert len(waits) >= 98 and max(waits) <= 1.98  # they were told to wait for them
    redis.Redis.from_url(url).delete(key)


@needs_redis
def test_after_an_idle_spell_the_shared_schedule_does_not_burst():
    url, key = os.environ["REDIS_URL"], f"test-pacing:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(url)
    client.set(key, 1)  # a slot far in the past (1 µs after the epoch)
    waits: list[float] = []
    SharedPacer(10, client, key=key, sleep=waits.append).wait()
    assert waits == []  # sent at once, and the schedule restarts from now
    client.delete(key)


@needs_redis
@pytest.mark.config(MAIL_RATE_PER_SECOND=30, MAIL_WORKERS=3)
def test_with_redis_the_rate_is_the_whole_deployments(app):
    app.config["REDIS_URL"] = os.environ["REDIS_URL"]
    pacer = sending_pacer(app)
    assert isinstance(pacer, SharedPacer) and pacer.interval == pytest.approx(1 / 30)
    assert pacer.own_interval == pytest.approx(3 / 30)  # a batch plans on its share


@pytest.mark.config(MAIL_RATE_PER_SECOND=30, MAIL_WORKERS=3, REDIS_URL=None)
def test_without_redis_each_worker_shares_the_rate_among_its_processes(app):
    pacer = sending_pacer(app)
    assert type(pacer) is Pacer and pacer.interval == pytest.approx(3 / 30)
