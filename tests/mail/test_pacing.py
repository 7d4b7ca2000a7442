"""MAIL_RATE_PER_SECOND is kept within ±10% over a minute (on fake time: no wall clock)."""

from __future__ import annotations

import pytest

from portal.mail.pacing import Pacer
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
