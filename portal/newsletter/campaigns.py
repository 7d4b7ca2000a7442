"""Campaigns: compose, preview, test, schedule, queue for the audience, pause, resume.

Queueing freezes the campaign (its HTML and text are stored as sent, for the emails still
in the queue and for the archive) and writes one outbox row per confirmed, unsuppressed,
unpaused subscriber of the audience, in one transaction and one statement
(``portal.newsletter.audience``). Progress is read back from the outbox by the campaign's
``mailing``: pending, sending, held, sent, failed, suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from portal.core import practice
from portal.core.clock import local_today
from portal.core.database import rowcount
from portal.extensions import db
from portal.mail import enqueue_email
from portal.mail.queue import request_delivery_after_commit
from portal.mail.render import render_parts
from portal.models import (
    Campaign,
    CampaignStatus,
    MailCategory,
    OutboxMessage,
    OutboxStatus,
    Subscriber,
    Topic,
    User,
)
from portal.models.types import utcnow
from portal.newsletter import audience, content
from portal.newsletter.headers import list_headers
from portal.newsletter.personalise import NAME, preview_values
from portal.web.urls import external_url

TEMPLATE = "newsletter_campaign"


class CampaignLocked(ValueError):
    """The campaign was queued: it can no longer be edited, scheduled or queued again."""


def audience_filter(campaign: Campaign, today: date) -> list[sa.ColumnElement[bool]]:
    topics = campaign.topic_list or list(Topic)
    conditions = [
        *audience.reachable(today),
        sa.or_(*(getattr(Subscriber, topic.column).is_(True) for topic in topics)),
    ]
    if campaign.race_from is not None:
        conditions.append(Subscriber.race_on >= campaign.race_from)
    if campaign.race_to is not None:
        conditions.append(Subscriber.race_on <= campaign.race_to)
    return conditions


def audience_size(campaign: Campaign) -> int:
    count = db.session.scalar(
        sa.select(sa.func.count(Subscriber.id)).where(*audience_filter(campaign, local_today()))
    )
    return count or 0


@dataclass(frozen=True)
class Preview:
    subject: str
    text: str
    html: str
    headers: dict[str, str]


def preview(campaign: Campaign) -> Preview:
    """The email exactly as the pipeline renders it, with example links for the subscriber."""
    context = _test_context(campaign, name="Rosa")
    text, html = render_parts(
        current_app,
        template=TEMPLATE,
        subject=campaign.subject,
        context=context,
        practice=practice.current(),
    )
    headers = {name: value.format_map(context) for name, value in list_headers().items()}
    return Preview(subject=campaign.subject, text=text, html=html, headers=headers)


def _test_context(campaign: Campaign, *, name: str | None) -> dict[str, Any]:
    return {
        "name": name,
        **preview_values(
            current_app,
            body_html=content.email_html(campaign.body_markdown),
            body_text=content.plain_text(campaign.body_markdown),
            browser_url=external_url("newsletter.archive"),
        ),
    }


def send_test(campaign: Campaign, to: User) -> None:
    """One copy to ``to`` (the staff member), with the headers and footer of the real thing."""
    context = _test_context(campaign, name=to.name)
    headers = {name: value.format_map(context) for name, value in list_headers().items()}
    enqueue_email(
        to=to.email,
        to_name=to.name,
        subject=f"[Test] {campaign.subject}",
        template=TEMPLATE,
        context=context,
        headers=headers,
        idempotency_key=f"campaign-test:{campaign.id}:{to.id}:{utcnow():%Y%m%dT%H%M%S%f}",
        category=MailCategory.TRANSACTIONAL,  # a colleague's test goes before the queue
    )


def schedule(campaign: Campaign, when: datetime | None) -> None:
    if not campaign.is_editable:
        raise CampaignLocked("This campaign has been sent; it cannot be scheduled again.")
    campaign.scheduled_for = when
    campaign.status = (CampaignStatus.SCHEDULED if when else CampaignStatus.DRAFT).value


def queue(campaign: Campaign, *, now: datetime | None = None) -> int:
    """Freeze the campaign and queue it for its audience; returns how many were queued.

    The caller commits: the frozen content, the status and every outbox row land together.
    """
    if not campaign.is_editable:
        raise CampaignLocked("This campaign has already been sent.")
    now = now or utcnow()
    campaign.html_snapshot = content.email_html(campaign.body_markdown)
    campaign.text_snapshot = content.plain_text(campaign.body_markdown)
    campaign.status = CampaignStatus.QUEUED.value
    campaign.queued_at = now
    db.session.flush()
    source = sa.select(Subscriber.id).where(*audience_filter(campaign, local_today(now)))
    queued = audience.queue_rows(
        source=source,
        idempotency_key=sa.literal(f"campaign:{campaign.id}:subscriber:")
        + sa.cast(Subscriber.id, sa.String),
        to_address=Subscriber.email,
        to_name=Subscriber.name,
        subject=campaign.subject,
        template=TEMPLATE,
        context=audience.json_pairs(
            {
                "personalise": NAME,
                "kind": "campaign",
                "s": Subscriber.id,
                "k": Subscriber.token_secret,
                "c": campaign.id,
                "name": Subscriber.name,
            }
        ),
        headers=list_headers(),
        message_id=audience.message_id(campaign.nonce, Subscriber.id),
        mailing=campaign.mailing,
        now=now,
    )
    campaign.recipients = queued
    return queued


def pause(campaign: Campaign) -> int:
    """Hold the campaign's unsent rows: the claim never sees ``held`` rows.

    Rows a worker has already claimed (at most one batch per sending process) still go.
    """
    if campaign.status != CampaignStatus.QUEUED:
        raise CampaignLocked("Only a campaign that is being sent can be paused.")
    campaign.status = CampaignStatus.PAUSED.value
    return hold_rows(campaign.mailing)


def resume(campaign: Campaign) -> int:
    if campaign.status != CampaignStatus.PAUSED:
        raise CampaignLocked("Only a paused campaign can be resumed.")
    campaign.status = CampaignStatus.QUEUED.value
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.mailing == campaign.mailing,
            OutboxMessage.status == OutboxStatus.HELD.value,
        )
        .values(status=OutboxStatus.PENDING.value, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    request_delivery_after_commit(db.session)
    return rowcount(result)


def hold_rows(mailing: str) -> int:
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.mailing == mailing,
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.HELD.value)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def hold_paused_campaigns() -> int:
    """Catch rows of paused campaigns that a worker gave back to ``pending`` after the pause
    (a batch that stopped early releases what it did not send). Runs every minute."""
    mailings = [
        campaign.mailing
        for campaign in db.session.scalars(
            sa.select(Campaign).where(Campaign.status == CampaignStatus.PAUSED.value)
        )
    ]
    return sum(hold_rows(mailing) for mailing in mailings)


PROGRESS_STATES = (
    OutboxStatus.PENDING,
    OutboxStatus.SENDING,
    OutboxStatus.HELD,
    OutboxStatus.SENT,
    OutboxStatus.FAILED,
    OutboxStatus.SUPPRESSED,
)


@dataclass(frozen=True)
class Progress:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def unfinished(self) -> int:
        return sum(self.counts[state] for state in ("pending", "sending", "held"))

    @property
    def done(self) -> int:
        return self.total - self.unfinished


def progress(mailing: str) -> Progress:
    """Counts by status from the outbox (one indexed GROUP BY)."""
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.mailing == mailing)
        .group_by(OutboxMessage.status)
    ).all()
    found: dict[str, int] = {status: count for status, count in rows}
    return Progress({state.value: int(found.get(state.value, 0)) for state in PROGRESS_STATES})


def dispatch_scheduled(now: datetime | None = None) -> list[int]:
    """Queue every scheduled campaign whose time has come, each in its own transaction."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Campaign.id).where(
            Campaign.status == CampaignStatus.SCHEDULED.value, Campaign.scheduled_for <= now
        )
    ).all()
    db.session.rollback()
    dispatched = []
    for campaign_id in due:
        campaign = db.session.get(Campaign, campaign_id, with_for_update=True)
        if campaign is None or campaign.status != CampaignStatus.SCHEDULED:
            db.session.rollback()
            continue
        queue(campaign, now=now)
        db.session.commit()
        dispatched.append(campaign_id)
    return dispatched
