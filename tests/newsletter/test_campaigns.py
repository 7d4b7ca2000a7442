"""Campaigns: queued in one set-based statement for exactly the right audience, idempotent,
personalised at send time with both unsubscribe headers; pause holds them from a real
delivery; one-click unsubscribe and suppression keep addresses out of the next one."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import BouncedAddress, Campaign, CampaignStatus, OutboxMessage, SubscriberStatus
from portal.newsletter import campaigns
from tests.fixtures.mail import deliver, rows, status_counts
from tests.fixtures.newsletter import path_of

BODY = "## Summer hours\n\nWe open at **7am** from June. [Book](https://example.com/book).\n"


def make_campaign(app, **values) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        campaign = Campaign(
            subject=values.pop("subject", "Summer opening hours"),
            body_markdown=values.pop("body_markdown", BODY),
            topics=values.pop("topics", "news"),
            **values,
        )
        db.session.add(campaign)
        db.session.commit()
        return campaign.id


def send(app, campaign_id: int) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        queued = campaigns.queue(campaign)
        db.session.commit()
        return queued


def test_the_audience_is_confirmed_unpaused_unsuppressed_subscribers_of_its_topics(app, newsletter):
    today = date.today()
    newsletter.subscriber("news@example.com", topics=("news",))
    newsletter.subscriber("both@example.com", topics=("news", "tips"))
    newsletter.subscriber("tips-only@example.com", topics=("tips",))
    newsletter.subscriber("pending@example.com", status=SubscriberStatus.PENDING)
    newsletter.subscriber("gone@example.com", status=SubscriberStatus.UNSUBSCRIBED)
    newsletter.subscriber("paused@example.com", paused_until=today + timedelta(days=3))
    newsletter.subscriber("pause-over@example.com", paused_until=today - timedelta(days=1))
    newsletter.subscriber("bounced@example.com")
    newsletter.subscriber("bounced-once@example.com")
    with app.app_context():
        db.session.add(BouncedAddress(address="bounced@example.com", hard_failures=2))
        db.session.add(BouncedAddress(address="bounced-once@example.com", hard_failures=1))
        db.session.commit()
    campaign_id = make_campaign(app)
    assert send(app, campaign_id) == 4
    assert sorted(row.to_address for row in rows(app)) == [
        "both@example.com",
        "bounced-once@example.com",
        "news@example.com",
        "pause-over@example.com",
    ]


def test_a_race_date_range_narrows_the_audience(app, newsletter):
    today = date.today()
    newsletter.subscriber("soon@example.com", race_on=today + timedelta(days=20))
    newsletter.subscriber("later@example.com", race_on=today + timedelta(days=90))
    newsletter.subscriber("no-race@example.com")
    campaign_id = make_campaign(
        app, topics="tips,news", race_from=today, race_to=today + timedelta(days=30)
    )
    assert send(app, campaign_id) == 1
    assert [row.to_address for row in rows(app)] == ["soon@example.com"]


def test_queueing_is_one_insert_select_and_idempotent(app, newsletter, count_queries):
    newsletter.many(300)
    campaign_id = make_campaign(app)
    with count_queries() as log:
        assert send(app, campaign_id) == 300
    inserts = [s for s in log.statements if s.startswith("INSERT INTO outbox")]
    assert len(inserts) == 1 and "SELECT" in inserts[0] and "ON CONFLICT" in inserts[0]
    assert log.count < 10  # not a statement per subscriber

    found = rows(app)
    assert len({row.message_id for row in found}) == 300
    first = found[0]
    assert first.idempotency_key == f"campaign:{campaign_id}:subscriber:1"
    assert first.mailing == f"campaign:{campaign_id}"
    assert first.category == "newsletter" and first.priority == 1
    assert first.context["kind"] == "campaign" and first.context["c"] == campaign_id
    assert "body" not in str(first.context)  # the body is not copied into every row
    assert first.headers["List-Unsubscribe"] == "<{unsubscribe_url}>"

    # The same statement again adds nothing (ON CONFLICT DO NOTHING on the key).
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        campaign.status = CampaignStatus.DRAFT.value
        assert campaigns.queue(campaign) == 0
        db.session.rollback()
    assert len(rows(app)) == 300


def test_a_queued_campaign_cannot_be_queued_edited_or_scheduled_again(app, newsletter):
    newsletter.subscriber()
    campaign_id = make_campaign(app)
    send(app, campaign_id)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        with pytest.raises(campaigns.CampaignLocked):
            campaigns.queue(campaign)
        with pytest.raises(campaigns.CampaignLocked):
            campaigns.schedule(campaign, None)


def test_each_message_is_personalised_when_sent_with_both_unsubscribe_headers(
    smtp_app, smtp_server
):
    from tests.fixtures.newsletter import Newsletter

    newsletter = Newsletter(smtp_app)
    rosa = newsletter.subscriber("rosa@example.com", name="Rosa")
    newsletter.subscriber("tom@example.com", name="Tom")
    campaign_id = make_campaign(smtp_app)
    send(smtp_app, campaign_id)
    deliver(smtp_app)
    received = {m.recipients[0]: m.message for m in smtp_server.messages}
    assert set(received) == {"rosa@example.com", "tom@example.com"}
    message = received["rosa@example.com"]
    token = newsletter.token(rosa)
    assert message["List-Unsubscribe"] == f"<http://127.0.0.1:5000/newsletter/unsubscribe/{token}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"].endswith("<newsletter.massageworks.example>")
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "Hello Rosa" in html and "Hello Rosa" in text
    assert 'style="font-size: 20px;' in html  # CSS inlined into the Markdown's heading
    assert "<strong>7am</strong>" in html and "7am" in text and "**" not in text
    assert "Book (https://example.com/book)" in text
    for part in (html, text):
        assert f"/newsletter/unsubscribe/{token}" in part
        assert f"/newsletter/preferences/{token}" in part
        assert f"/newsletter/archive/{campaign_id}" in part
        assert "12 Tempo Lane, Riverside" in part
    assert token not in received["tom@example.com"].as_string()


def test_one_click_unsubscribe_and_suppression_keep_addresses_out_of_the_next_campaign(
    smtp_app, smtp_server
):
    from tests.fixtures.newsletter import Newsletter

    newsletter = Newsletter(smtp_app)
    newsletter.many(5)
    send(smtp_app, make_campaign(smtp_app))
    deliver(smtp_app)
    first = {m.recipients[0]: m.message for m in smtp_server.messages}
    assert len(first) == 5

    # runner0 presses "unsubscribe" in their mail app: the provider POSTs, no cookie.
    url = first["runner0@example.com"]["List-Unsubscribe"].strip("<>")
    response = smtp_app.test_client().post(path_of(url), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert newsletter.by_email("runner0@example.com").status == SubscriberStatus.UNSUBSCRIBED
    # runner1's mailbox is gone: two hard bounces.
    with smtp_app.app_context():
        db.session.add(BouncedAddress(address="runner1@example.com", hard_failures=2))
        db.session.commit()

    send(smtp_app, make_campaign(smtp_app, subject="Second"))
    deliver(smtp_app)
    second = [m.recipients[0] for m in smtp_server.messages[5:]]
    assert sorted(second) == ["runner2@example.com", "runner3@example.com", "runner4@example.com"]


def test_unsubscribing_withholds_what_is_already_queued(app, newsletter, client):
    rosa = newsletter.subscriber("rosa@example.com")
    newsletter.subscriber("tom@example.com")
    send(app, make_campaign(app))
    response = client.post(f"/newsletter/unsubscribe/{newsletter.token(rosa)}")
    assert response.status_code == 200
    by_address = {row.to_address: row for row in rows(app)}
    assert by_address["rosa@example.com"].status == "suppressed"
    assert by_address["rosa@example.com"].last_error == "unsubscribed"
    assert deliver(app).sent == 1


def test_pause_holds_the_rest_from_a_real_delivery_and_resume_sends_it(app, newsletter):
    newsletter.many(30)
    campaign_id = make_campaign(app)
    send(app, campaign_id)
    with app.app_context():
        # Ten go out, then staff press pause.
        db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id > 10).values(status="paused")
        )
        db.session.commit()
    deliver(app)
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.status == "paused")
            .values(status="pending")
        )
        campaign = db.session.get(Campaign, campaign_id)
        assert campaigns.pause(campaign) == 20
        db.session.commit()
    assert deliver(app).sent == 0  # the worker's claim never sees held rows
    assert status_counts(app) == {"sent": 10, "paused": 20}
    with app.app_context():
        assert campaigns.progress(f"campaign:{campaign_id}").counts["paused"] == 20
        campaign = db.session.get(Campaign, campaign_id)
        assert campaigns.resume(campaign) == 20
        db.session.commit()
    assert deliver(app).sent == 20
    assert status_counts(app) == {"sent": 30}
    received = Counter(row.to_address for row in rows(app))
    assert max(received.values()) == 1


def test_rows_given_back_after_a_pause_are_held_not_pending(app, newsletter):
    """A batch that claimed rows before the pause, and a dead worker's rows whose lease ran
    out, come back ``held``; the claim never takes a row of a held mailing."""
    from datetime import timedelta

    from portal.mail.claim import claim_batch, release, release_expired_leases
    from portal.models.types import utcnow

    newsletter.many(5)
    campaign_id = make_campaign(app)
    send(app, campaign_id)
    with app.app_context(), db.engine.connect() as conn:
        now = utcnow()
        live = claim_batch(conn, owner="live", limit=2, now=now, lease=timedelta(minutes=2))
        dead = claim_batch(conn, owner="dead", limit=2, now=now, lease=timedelta(seconds=-1))
        campaign = db.session.get(Campaign, campaign_id)
        campaigns.pause(campaign)
        db.session.commit()
        release(conn, owner="live", ids=[row.id for row in live])
        assert release_expired_leases(conn, now=now) == 2
        assert status_counts(app) == {"paused": 5}
        # A row made pending by hand is still not claimed while the mailing is held.
        db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id == dead[0].id).values(status="pending")
        )
        db.session.commit()
        assert claim_batch(conn, owner="x", limit=10, now=now, lease=timedelta(minutes=2)) == []


def test_a_scheduled_campaign_is_dispatched_once_its_time_comes(app, newsletter):
    from portal.models.types import utcnow

    newsletter.subscriber()
    campaign_id = make_campaign(app)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        campaigns.schedule(campaign, utcnow() + timedelta(hours=1))
        db.session.commit()
        assert campaigns.dispatch_scheduled() == []
        assert campaigns.dispatch_scheduled(utcnow() + timedelta(hours=2)) == [campaign_id]
        assert campaigns.dispatch_scheduled(utcnow() + timedelta(hours=3)) == []
        assert db.session.get(Campaign, campaign_id).status == "queued"
    assert len(rows(app)) == 1
