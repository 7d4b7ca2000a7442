"""Subscribing a new, a pending or a confirmed address does the same work (no enumeration by
timing): the same statements, and medians of interleaved requests within 25%."""

from __future__ import annotations

import gc
import time
from datetime import timedelta
from statistics import median

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Subscriber, SubscriberStatus
from portal.models.types import utcnow

ROUNDS = 12


def _form(email: str) -> dict[str, object]:
    return {"email": email, "topics": ["tips"], "source": "/"}


def _statements(log) -> list[str]:  # type: ignore[no-untyped-def]
    # The shape of the work: which statements, in order, without their parameters.
    return [" ".join(statement.split()[:3]) for statement in log.statements]


def test_the_same_statements_for_new_pending_and_confirmed_addresses(
    app, newsletter, count_queries
):
    newsletter.subscriber("confirmed@example.com")
    pending = newsletter.subscriber("pending@example.com", status=SubscriberStatus.PENDING)
    with app.app_context():  # its last email was more than an hour ago
        db.session.execute(
            sa.update(Subscriber)
            .where(Subscriber.id == pending)
            .values(notified_at=utcnow() - timedelta(hours=2))
        )
        db.session.commit()
    app.test_client().get("/")  # warm up templates
    shapes = {}
    for email in ("new@example.com", "pending@example.com", "confirmed@example.com"):
        client = app.test_client()
        with count_queries() as log:
            response = client.post("/newsletter/subscribe", data=_form(email))
        assert response.status_code == 200
        shapes[email] = _statements(log)
    assert shapes["new@example.com"][0].startswith("SELECT")
    assert any(
        s.startswith("INSERT INTO newsletter_subscribers") for s in shapes["new@example.com"]
    )
    # An INSERT of the new address where the others UPDATE theirs; otherwise identical.
    normalised = {
        email: [
            s.replace("INSERT INTO newsletter_subscribers", "WRITE subscriber").replace(
                "UPDATE newsletter_subscribers SET", "WRITE subscriber"
            )
            for s in shape
        ]
        for email, shape in shapes.items()
    }
    assert normalised["new@example.com"] == normalised["pending@example.com"]
    assert normalised["new@example.com"] == normalised["confirmed@example.com"]


@pytest.mark.config(
    SUBSCRIBE_LIMIT_PER_IP="1000 per minute", SUBSCRIBE_LIMIT_PER_ADDRESS="1000 per hour"
)
def test_medians_of_interleaved_requests_are_within_a_quarter(app, newsletter):
    for number in range(-1, ROUNDS):
        newsletter.subscriber(f"confirmed{number}@example.com")
    # Pending, and asked again within the hour: the email is not sent again.
    post = app.test_client().post
    for number in range(-1, ROUNDS):
        post("/newsletter/subscribe", data=_form(f"pending{number}@example.com"))
    for kind in ("new", "pending", "confirmed"):  # warm up each path (statement caches)
        post("/newsletter/subscribe", data=_form(f"{kind}-1@example.com"))

    timings: dict[str, list[float]] = {"new": [], "pending": [], "confirmed": []}
    kinds = list(timings)
    # The CPU time of each request (other processes on a shared machine do not count; the
    # writes, and so their waits for the disk, are compared statement by statement above),
    # in a rotated order within each round, with no garbage collection while measuring: the
    # work of the request is compared, not which one the collector happened to interrupt.
    gc.collect()
    gc.disable()
    try:
        _measure(app, timings, kinds)
    finally:
        gc.enable()
    medians = {kind: median(values) for kind, values in timings.items()}
    fastest, slowest = min(medians.values()), max(medians.values())
    assert slowest <= fastest * 1.25, medians


def _measure(app, timings, kinds) -> None:  # type: ignore[no-untyped-def]
    for number in range(ROUNDS):
        for kind in kinds[number % 3 :] + kinds[: number % 3]:
            client = app.test_client()
            data = _form(f"{kind}{number}@example.com")
            started = time.process_time()
            response = client.post("/newsletter/subscribe", data=data)
            timings[kind].append(time.process_time() - started)
            assert response.status_code == 200
