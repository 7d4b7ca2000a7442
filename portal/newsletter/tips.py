"""Training-season tips timed to each subscriber's race.

A tip step is due on ``race day + offset_days`` (practice time zone). Every hour the
scheduler (``send_due_tips``) queues, once the practice's local hour has reached
``TIPS_SEND_HOUR``, the steps due today for every confirmed, unpaused, unsuppressed
subscriber with the tips topic and a race date, in two set-based statements:

1. ``INSERT INTO outbox … SELECT`` subscribers × steps of their sequence, with the
   idempotency key ``tip:STEP:SUB:RACEDATE``;
2. ``INSERT INTO newsletter_tip_sends …`` the same pairs, one per step, subscriber and
   *season*, which is what stops a second send when a race date moves.

The rules:

- a step dated before ``tips_planned_from`` (the day the subscriber joined, or last changed
  their race or its distance) is never sent: joining late, or moving a race earlier, does
  not bring a burst of old tips;
- a step is sent at most once a season (``TipSend``): moving a race that is still ahead
  re-plans what is ahead and never resends what was sent; a new race set after the previous
  one is over starts a new season;
- a day the worker missed is caught up for ``TIPS_CATCH_UP_DAYS`` days;
- after the last step the sequence simply ends; the subscriber stays on the list.

Which sequence: the one the subscriber chose as "race distance", else the default one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.core.clock import local_now, local_today
from portal.core.render_cache import bump_selected
from portal.extensions import db
from portal.models import Subscriber, TipSend, TipSequence, TipStep
from portal.models.types import UTCDateTime, table_of, utcnow
from portal.newsletter import audience
from portal.newsletter.headers import list_headers
from portal.newsletter.personalise import NAME
from portal.newsletter.render_scopes import newsletter_scope_of_subscriber

TEMPLATE = "newsletter_tip"


def today() -> date:
    return local_today()


def default_sequence_id() -> int | None:
    return db.session.scalar(
        sa.select(TipSequence.id).order_by(TipSequence.is_default.desc(), TipSequence.id).limit(1)
    )


@dataclass(frozen=True)
class TipRun:
    day: date | None  # None: before the send hour, nothing was looked at
    queued: int


def send_due_tips(now: datetime | None = None) -> TipRun:
    """Queue the tips due today (caller commits). ``now`` is injectable: tests run a season."""
    now = now or utcnow()
    local = local_now(now)
    if local.hour < current_app.config["TIPS_SEND_HOUR"]:
        return TipRun(day=None, queued=0)
    day = local.date()
    default_id = default_sequence_id()
    if default_id is None:
        return TipRun(day=day, queued=0)
    window_start = day - timedelta(days=current_app.config["TIPS_CATCH_UP_DAYS"])
    due_on = audience.date_plus_days(Subscriber.race_on, TipStep.offset_days)
    source = (
        sa.select(Subscriber.id)
        .select_from(Subscriber)
        .join(
            TipStep,
            TipStep.sequence_id == sa.func.coalesce(Subscriber.tip_sequence_id, default_id),
        )
        .where(
            *audience.reachable(day),
            Subscriber.topic_tips.is_(True),
            Subscriber.race_on.is_not(None),
            due_on.between(window_start, day),
            due_on >= Subscriber.tips_planned_from,
            ~sa.exists().where(
                TipSend.subscriber_id == Subscriber.id,
                TipSend.step_id == TipStep.id,
                TipSend.season == Subscriber.tips_season,
            ),
        )
    )
    race_text = sa.cast(Subscriber.race_on, sa.String)
    # The tips to come on these subscribers' dashboards change: bump their render scopes
    # first (the inserts below are bulk, which the ORM's hook does not see, and afterwards
    # ``source`` no longer selects them).
    bump_selected(db.session, source.with_only_columns(newsletter_scope_of_subscriber()))
    queued = audience.queue_rows(
        source=source,
        idempotency_key=sa.literal("tip:")
        + sa.cast(TipStep.id, sa.String)
        + sa.literal(":")
        + sa.cast(Subscriber.id, sa.String)
        + sa.literal(":")
        + race_text,
        to_address=Subscriber.email,
        to_name=Subscriber.name,
        subject=TipStep.subject,
        template=TEMPLATE,
        context=audience.json_pairs(
            {
                "personalise": NAME,
                "kind": "tip",
                "s": Subscriber.id,
                "k": Subscriber.token_secret,
                "t": TipStep.id,
                "name": Subscriber.name,
                "race_name": Subscriber.race_name,
                "race_on": race_text,
                "offset": TipStep.offset_days,
            }
        ),
        headers=list_headers(),
        message_id=audience.message_id(
            f"tip{day:%Y%m%d}", TipStep.id, Subscriber.id, Subscriber.tips_season
        ),
        mailing=None,
        now=now,
    )
    audience.insert_ignoring_duplicates(
        table_of(TipSend),
        ["subscriber_id", "step_id", "season", "race_on", "due_on", "queued_at"],
        source.with_only_columns(
            Subscriber.id,
            TipStep.id,
            Subscriber.tips_season,
            Subscriber.race_on,
            due_on,
            sa.literal(now, UTCDateTime()),
        ),
    )
    return TipRun(day=day, queued=queued)


@dataclass(frozen=True)
class UpcomingTip:
    step_id: int
    subject: str
    due_on: date


def upcoming_for(subscriber: Subscriber, *, on: date | None = None) -> list[UpcomingTip]:
    """The tips still to come for this subscriber's race, with their dates (one query)."""
    if not subscriber.is_confirmed or not subscriber.topic_tips or subscriber.race_on is None:
        return []
    day = on or today()
    if subscriber.tip_sequence_id is not None:
        which = TipStep.sequence_id == subscriber.tip_sequence_id
    else:
        which = TipStep.sequence_id == (
            sa.select(TipSequence.id)
            .order_by(TipSequence.is_default.desc(), TipSequence.id)
            .limit(1)
            .scalar_subquery()
        )
    steps = db.session.execute(
        sa.select(TipStep.id, TipStep.subject, TipStep.offset_days)
        .where(
            which,
            ~sa.exists().where(
                TipSend.subscriber_id == subscriber.id,
                TipSend.step_id == TipStep.id,
                TipSend.season == subscriber.tips_season,
            ),
        )
        .order_by(TipStep.offset_days)
    ).all()
    start = max(day, subscriber.tips_planned_from or day)
    upcoming = []
    for step_id, subject, offset in steps:
        due = subscriber.race_on + timedelta(days=offset)
        if due >= start:
            upcoming.append(UpcomingTip(step_id=step_id, subject=subject, due_on=due))
    return upcoming
