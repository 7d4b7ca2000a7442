"""The tip scheduler, run day by day over simulated seasons on a fixed clock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage, Subscriber, TipSend
from portal.newsletter import subscriptions, tips

PRACTICE_ZONE = ZoneInfo("America/Los_Angeles")  # the default practice time zone
OFFSETS = (-56, -10, -3, -1, 2)
START = date(2027, 1, 4)
RACE = START + timedelta(days=70)  # 15 March 2027


def at(day: date, hour: int = 9) -> datetime:
    """A moment of the practice's day, as the UTC time the scheduler is given."""
    return datetime.combine(day, time(hour), tzinfo=PRACTICE_ZONE).astimezone(UTC)


class Season:
    """Runs the scheduler on fixed clocks and reads what it queued."""

    def __init__(self, app, newsletter) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.newsletter = newsletter
        self.sequence = newsletter.sequence(offsets=OFFSETS)
        self.steps = newsletter.step_ids(self.sequence)  # offset → id
        self.offset_of = {step: offset for offset, step in self.steps.items()}

    def runner(self, email: str = "rosa@example.com", *, race: date = RACE, joined=START) -> int:
        return self.newsletter.subscriber(
            email,
            topics=("tips",),
            race_on=race,
            race_name="Riverside Marathon",
            planned_from=joined,
        )

    def run(self, first: date, last: date, hours=(9,)) -> None:
        day = first
        while day <= last:
            for hour in hours:
                with self.app.app_context():
                    tips.send_due_tips(at(day, hour))
                    db.session.commit()
            day += timedelta(days=1)

    def sent(self, subscriber_id: int | None = None) -> list[tuple[int, date, str]]:
        """(offset, the day it was queued, its race date) in the order queued."""
        with self.app.app_context():
            query = sa.select(OutboxMessage).where(OutboxMessage.template == "newsletter_tip")
            found = []
            for row in db.session.scalars(query.order_by(OutboxMessage.id)):
                if subscriber_id is not None and row.context["s"] != subscriber_id:
                    continue
                queued_on = row.created_at.astimezone(PRACTICE_ZONE).date()
                found.append((self.offset_of[row.context["t"]], queued_on, row.context["race_on"]))
            return found

    def move_race(self, subscriber_id: int, race: date, *, on: date) -> None:
        with self.app.app_context():
            subscriber = db.session.get(Subscriber, subscriber_id)
            choices = subscriptions.Choices(
                topics=["tips"], race_name=subscriber.race_name, race_on=race
            )
            subscriptions.save_preferences(subscriber, choices, source="/test", ip=None, today=on)
            db.session.commit()


@pytest.fixture
def season(app, newsletter) -> Season:
    return Season(app, newsletter)


def test_each_step_is_sent_once_on_its_day_over_a_whole_season(season):
    rosa = season.runner()
    season.run(START, RACE + timedelta(days=10), hours=(6, 9, 15, 23))
    expected = [(offset, RACE + timedelta(days=offset), str(RACE)) for offset in OFFSETS]
    assert season.sent(rosa) == expected
    with season.app.app_context():
        keys = db.session.scalars(sa.select(OutboxMessage.idempotency_key)).all()
        assert f"tip:{season.steps[-10]}:{rosa}:{RACE}" in keys
        # After the race the sequence ends and the subscriber stays on the list.
        assert db.session.get(Subscriber, rosa).status == "confirmed"


def test_nothing_goes_out_before_the_send_hour(app, season):
    season.runner()
    day = RACE - timedelta(days=10)
    with app.app_context():
        assert tips.send_due_tips(at(day, 7)).queued == 0
        assert tips.send_due_tips(at(day, 8)).queued == 1


def test_tips_dated_before_the_subscriber_joined_are_not_sent(season):
    late = season.runner(joined=RACE - timedelta(days=20))
    season.run(RACE - timedelta(days=20), RACE + timedelta(days=5))
    assert [offset for offset, _, _ in season.sent(late)] == [-10, -3, -1, 2]


def test_a_missed_day_is_caught_up_once(season):
    rosa = season.runner()
    # The worker was down on the day of the -10 tip; it runs again the next day.
    season.run(RACE - timedelta(days=12), RACE - timedelta(days=11))
    season.run(RACE - timedelta(days=9), RACE - timedelta(days=8))
    assert season.sent(rosa) == [(-10, RACE - timedelta(days=9), str(RACE))]


def test_a_race_moved_later_replans_what_is_ahead_and_never_resends(season):
    rosa = season.runner()
    season.run(START, RACE - timedelta(days=50))  # the -56 tip went out
    later = RACE + timedelta(days=14)  # its -56 tip would now fall on RACE - 42, still ahead
    season.move_race(rosa, later, on=RACE - timedelta(days=50))
    season.run(RACE - timedelta(days=49), later + timedelta(days=10))
    assert season.sent(rosa) == [
        (-56, RACE - timedelta(days=56), str(RACE)),
        (-10, later - timedelta(days=10), str(later)),
        (-3, later - timedelta(days=3), str(later)),
        (-1, later - timedelta(days=1), str(later)),
        (2, later + timedelta(days=2), str(later)),
    ]


def test_a_race_moved_earlier_skips_tips_whose_new_date_has_passed(season):
    rosa = season.runner()
    season.run(START, RACE - timedelta(days=12))  # the -56 tip went out
    earlier = RACE - timedelta(days=8)  # its -10 tip would now be RACE - 18: already passed
    season.move_race(rosa, earlier, on=RACE - timedelta(days=12))
    season.run(RACE - timedelta(days=11), RACE + timedelta(days=10))
    assert [(offset, day) for offset, day, _ in season.sent(rosa)] == [
        (-56, RACE - timedelta(days=56)),
        (-3, earlier - timedelta(days=3)),
        (-1, earlier - timedelta(days=1)),
        (2, earlier + timedelta(days=2)),
    ]


def test_a_race_moved_into_the_past_ends_the_sequence(season):
    rosa = season.runner()
    season.run(START, RACE - timedelta(days=5))  # -56 and -10
    season.move_race(rosa, RACE - timedelta(days=20), on=RACE - timedelta(days=5))
    season.run(RACE - timedelta(days=4), RACE + timedelta(days=30))
    assert [offset for offset, _, _ in season.sent(rosa)] == [-56, -10]
    with season.app.app_context():
        assert db.session.get(Subscriber, rosa).status == "confirmed"


def test_a_new_race_after_the_last_one_starts_a_new_season(season):
    rosa = season.runner()
    season.run(START, RACE + timedelta(days=10))
    autumn = RACE + timedelta(days=120)
    season.move_race(rosa, autumn, on=RACE + timedelta(days=10))
    season.run(RACE + timedelta(days=11), autumn + timedelta(days=3))
    sent = season.sent(rosa)
    assert Counter(offset for offset, _, _ in sent) == {offset: 2 for offset in OFFSETS}
    assert [race for _, _, race in sent[5:]] == [str(autumn)] * 5
    with season.app.app_context():
        seasons = db.session.scalars(sa.select(TipSend.season).distinct()).all()
    assert sorted(seasons) == [1, 2]


def test_only_confirmed_unpaused_subscribers_with_tips_and_a_race_get_them(app, season):
    from portal.models import SubscriberStatus

    day = RACE - timedelta(days=10)
    newsletter = season.newsletter
    wanted = season.runner("wanted@example.com")
    newsletter.subscriber(
        "news-only@example.com", topics=("news",), race_on=RACE, planned_from=START
    )
    newsletter.subscriber("no-race@example.com", topics=("tips",), planned_from=START)
    newsletter.subscriber(
        "pending@example.com", status=SubscriberStatus.PENDING, race_on=RACE, planned_from=START
    )
    newsletter.subscriber(
        "paused@example.com", race_on=RACE, planned_from=START, paused_until=day + timedelta(1)
    )
    season.run(day, day)
    assert [(offset, day) for offset, day, _ in season.sent()] == [(-10, day)]
    assert season.sent(wanted)


def test_each_subscriber_gets_their_own_sequence(app, season):
    shorter = season.newsletter.sequence("shorter", offsets=(-21, -2), default=False)
    short_steps = season.newsletter.step_ids(shorter)
    runner = season.runner("half@example.com")
    with app.app_context():
        db.session.get(Subscriber, runner).tip_sequence_id = shorter
        db.session.commit()
    season.run(START, RACE)
    with app.app_context():
        steps = [
            row.context["t"]
            for row in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        ]
    assert steps == [short_steps[-21], short_steps[-2]]


def test_upcoming_tips_show_what_is_still_to_come(app, season):
    rosa = season.runner()
    season.run(START, RACE - timedelta(days=10))
    with app.app_context():
        subscriber = db.session.get(Subscriber, rosa)
        upcoming = tips.upcoming_for(subscriber, on=RACE - timedelta(days=9))
    assert [(tip.due_on, tip.subject) for tip in upcoming] == [
        (RACE - timedelta(days=3), "marathon tip at -3 days"),
        (RACE - timedelta(days=1), "marathon tip at -1 days"),
        (RACE + timedelta(days=2), "marathon tip at +2 days"),
    ]


def test_a_tip_email_is_personalised_with_the_race_and_the_footer(app, season):
    rosa = season.runner()
    season.run(RACE - timedelta(days=3), RACE - timedelta(days=3))
    with app.app_context():
        row = db.session.scalars(sa.select(OutboxMessage)).one()
        db.session.expunge(row)
    raw = season.newsletter.render(row).decode()
    token = season.newsletter.token(rosa)
    assert f"List-Unsubscribe: <http://127.0.0.1:5000/newsletter/unsubscribe/{token}>" in raw
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    assert "Riverside Marathon, March 15, 2027" in raw
    assert f"/newsletter/tips/{season.steps[-3]}" in raw
