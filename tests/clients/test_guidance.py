"""Booking guidance evaluated with fixed dates: no clock, no database."""

from __future__ import annotations

from datetime import date

import pytest

from portal.clients.guidance import (
    DEFAULT_RULES,
    evaluate,
    is_new_to_massage,
    next_booking,
)
from portal.models import BookingRule

RACE = date(2027, 4, 18)  # a Sunday marathon


def default_rules() -> list[BookingRule]:
    return [BookingRule(id=n, is_active=True, **values) for n, values in enumerate(DEFAULT_RULES)]


def titles(today: date, *, last: date | None = None, new: bool = False) -> list[str]:
    guidance = evaluate(
        default_rules(), race_on=RACE, today=today, last_session_on=last, new_to_massage=new
    )
    return [g.title for g in guidance]


def test_six_weeks_out_weekly_sessions_come_first_then_the_race_week():
    guidance = evaluate(
        default_rules(),
        race_on=RACE,
        today=date(2027, 3, 7),
        last_session_on=date(2027, 3, 3),
        new_to_massage=False,
    )
    assert [g.title for g in guidance] == [
        "While you build mileage",
        "Before the race",
        "After the race",
    ]
    weekly, before, after = guidance
    assert weekly.current and weekly.book_by == date(2027, 3, 10)  # a week after the last one
    assert weekly.ends_on == date(2027, 4, 10)
    assert not before.current
    assert (before.starts_on, before.ends_on) == (date(2027, 4, 15), date(2027, 4, 16))
    assert before.book_by == date(2027, 4, 15)
    assert (after.starts_on, after.ends_on) == (date(2027, 4, 20), date(2027, 4, 23))
    assert next_booking(guidance) is weekly


def test_an_overdue_weekly_session_is_due_today():
    guidance = evaluate(
        default_rules(),
        race_on=RACE,
        today=date(2027, 3, 20),
        last_session_on=date(2027, 3, 1),
        new_to_massage=False,
    )
    assert guidance[0].book_by == date(2027, 3, 20)


def test_without_any_session_yet_the_weekly_one_is_due_today():
    guidance = evaluate(
        default_rules(),
        race_on=RACE,
        today=date(2027, 2, 1),
        last_session_on=None,
        new_to_massage=True,
    )
    assert guidance[0].book_by == date(2027, 2, 1)


def test_the_next_weekly_session_is_not_suggested_inside_the_race_week():
    guidance = evaluate(
        default_rules(),
        race_on=RACE,
        today=date(2027, 4, 8),
        last_session_on=date(2027, 4, 6),
        new_to_massage=False,
    )
    weekly = guidance[0]
    assert weekly.title == "While you build mileage" and weekly.book_by is None
    assert next_booking(guidance).title == "Before the race"


def test_two_days_before_the_pre_race_session_is_now():
    guidance = evaluate(
        default_rules(),
        race_on=RACE,
        today=date(2027, 4, 16),
        last_session_on=date(2027, 4, 9),
        new_to_massage=False,
    )
    assert guidance[0].title == "Before the race"
    assert guidance[0].current and guidance[0].book_by == date(2027, 4, 16)


def test_a_pre_race_session_already_had_is_shown_as_done():
    guidance = evaluate(
        default_rules(),
        race_on=RACE,
        today=date(2027, 4, 16),
        last_session_on=date(2027, 4, 15),
        new_to_massage=False,
    )
    before = guidance[0]
    assert before.had_on == date(2027, 4, 15) and before.book_by is None
    assert next_booking(guidance).title == "After the race"


@pytest.mark.parametrize(("new", "shown"), [(True, True), (False, False)])
def test_the_day_before_is_off_limits_only_for_someone_new_to_massage(new, shown):
    today = date(2027, 4, 17)
    assert ("The day before" in titles(today, new=new)) is shown
    if new:
        guidance = evaluate(
            default_rules(), race_on=RACE, today=today, last_session_on=None, new_to_massage=True
        )
        day_before = next(g for g in guidance if g.title == "The day before")
        assert day_before.current and day_before.is_avoid and day_before.book_by is None


def test_after_the_race_only_recovery_is_left_then_nothing():
    assert titles(date(2027, 4, 19)) == ["After the race"]
    assert titles(date(2027, 4, 23)) == ["After the race"]
    assert titles(date(2027, 4, 24)) == []


def test_inactive_rules_and_other_audiences_are_skipped():
    rules = default_rules()
    rules[0].is_active = False
    rules.append(
        BookingRule(
            id=99,
            position=5,
            title="Experienced only",
            advice="…",
            kind="book",
            audience="experienced",
            starts_days=None,
            ends_days=None,
            repeat_every_days=None,
            is_active=True,
        )
    )
    today = date(2027, 3, 1)
    new = evaluate(rules, race_on=RACE, today=today, last_session_on=None, new_to_massage=True)
    old = evaluate(rules, race_on=RACE, today=today, last_session_on=None, new_to_massage=False)
    assert "While you build mileage" not in [g.title for g in new + old]
    assert "Experienced only" not in [g.title for g in new]
    assert "Experienced only" in [g.title for g in old]


@pytest.mark.parametrize(("sessions", "new"), [(0, True), (2, True), (3, False), (40, False)])
def test_new_to_massage_means_fewer_than_three_sessions(sessions, new):
    assert is_new_to_massage(sessions) is new
