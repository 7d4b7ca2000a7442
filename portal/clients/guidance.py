"""Booking guidance: the practice's rules, evaluated for one client on one day.

``evaluate`` is a pure function of the rules, the race date, today and the client's last
session, so it is unit-tested with fixed dates and no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models.guidance import Audience, BookingRule, RuleKind

# Fewer sessions than this on record and a client counts as new to massage: their body has
# not yet learned how it feels the day after deep work.
NEW_TO_MASSAGE_BELOW = 3

# The rules a new installation starts with (migration 0004 inserts the same rows; the
# demo seeder uses this list on databases made with ``create_all``).
DEFAULT_RULES: list[dict[str, object]] = [
    {
        "position": 10,
        "title": "While you build mileage",
        "advice": "A sports massage every week while your mileage climbs: small niggles are "
        "easiest to sort out before they turn into injuries.",
        "kind": RuleKind.BOOK.value,
        "audience": Audience.EVERYONE.value,
        "starts_days": None,
        "ends_days": -8,
        "repeat_every_days": 7,
    },
    {
        "position": 20,
        "title": "Before the race",
        "advice": "One lighter session two or three days before the race, so your legs feel "
        "loose and fresh, not freshly worked, on the start line.",
        "kind": RuleKind.BOOK.value,
        "audience": Audience.EVERYONE.value,
        "starts_days": -3,
        "ends_days": -2,
        "repeat_every_days": None,
    },
    {
        "position": 30,
        "title": "The day before",
        "advice": "No massage the day before the race while you are new to it: unfamiliar "
        "pressure can leave your legs feeling heavy the next morning.",
        "kind": RuleKind.AVOID.value,
        "audience": Audience.NEW_TO_MASSAGE.value,
        "starts_days": -1,
        "ends_days": -1,
        "repeat_every_days": None,
    },
    {
        "position": 40,
        "title": "After the race",
        "advice": "A gentle recovery session a few days after the race, once the worst of the "
        "soreness has eased, to get your legs moving freely again.",
        "kind": RuleKind.BOOK.value,
        "audience": Audience.EVERYONE.value,
        "starts_days": 2,
        "ends_days": 5,
        "repeat_every_days": None,
    },
]


@dataclass(frozen=True)
class Guidance:
    """One rule applied to one client: what to do, and the dates it is about."""

    title: str
    advice: str
    kind: str
    current: bool  # today falls inside the rule's window
    starts_on: date | None
    ends_on: date | None
    # The day to book by, for a book rule: the next weekly session, or the window's first day.
    book_by: date | None
    # A one-off book rule already met: the client's last session fell inside its window.
    had_on: date | None = None

    @property
    def is_avoid(self) -> bool:
        return self.kind == RuleKind.AVOID


def is_new_to_massage(session_count: int) -> bool:
    return session_count < NEW_TO_MASSAGE_BELOW


def _applies(rule: BookingRule, new_to_massage: bool) -> bool:
    if not rule.is_active:
        return False
    if rule.audience == Audience.NEW_TO_MASSAGE:
        return new_to_massage
    if rule.audience == Audience.EXPERIENCED:
        return not new_to_massage
    return True


def shifted(day: date, days: int) -> date:
    """``day`` moved by ``days``, held at the calendar's ends instead of overflowing.

    Forms keep dates between 1900 and 2100, but rows stored earlier may hold 9999-12-31 or
    0001-01-01, and one such race date made the dashboard a 500.
    """
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _offset(race_on: date, days: int | None) -> date | None:
    return None if days is None else shifted(race_on, days)


def _within(day: date | None, starts_on: date | None, ends_on: date | None) -> bool:
    if day is None:
        return False
    return (starts_on is None or starts_on <= day) and (ends_on is None or day <= ends_on)


def evaluate(
    rules: Iterable[BookingRule],
    *,
    race_on: date,
    today: date,
    last_session_on: date | None,
    new_to_massage: bool,
) -> list[Guidance]:
    """The rules that still matter for a race on ``race_on``, seen from ``today``.

    Windows that have ended are dropped; current ones come first, then upcoming ones by
    start date. A repeating book rule suggests booking ``repeat_every_days`` after the
    last session (today if that is already past), as long as that stays inside its window.
    """
    results = []
    for rule in sorted(rules, key=lambda r: (r.position, r.id or 0)):
        if not _applies(rule, new_to_massage):
            continue
        starts_on, ends_on = _offset(race_on, rule.starts_days), _offset(race_on, rule.ends_days)
        if ends_on is not None and ends_on < today:
            continue
        current = starts_on is None or starts_on <= today
        book_by = had_on = None
        if rule.kind == RuleKind.BOOK and rule.repeat_every_days and current:
            due = today
            if last_session_on is not None:
                due = shifted(last_session_on, rule.repeat_every_days)
            book_by = max(due, today)
            if ends_on is not None and book_by > ends_on:
                book_by = None  # the next weekly one would fall in the following window
        elif rule.kind == RuleKind.BOOK:
            if _within(last_session_on, starts_on, ends_on):
                had_on = last_session_on
            else:
                book_by = today if current else starts_on
        results.append(
            Guidance(
                title=rule.title,
                advice=rule.advice,
                kind=rule.kind,
                current=current,
                starts_on=starts_on,
                ends_on=ends_on,
                book_by=book_by,
                had_on=had_on,
            )
        )
    results.sort(key=lambda g: (not g.current, g.starts_on or date.min))
    return results


def next_booking(guidance: list[Guidance]) -> Guidance | None:
    """The book rule with the earliest date to book by: the dashboard's "when to book next"."""
    dated = [g for g in guidance if g.kind == RuleKind.BOOK and g.book_by is not None]
    return min(dated, key=lambda g: g.book_by or date.max, default=None)


def active_rules() -> list[BookingRule]:
    return list(
        db.session.scalars(
            sa.select(BookingRule)
            .where(BookingRule.is_active)
            .order_by(BookingRule.position, BookingRule.id)
        )
    )


def install_default_rules() -> bool:
    """Add the default rules when the practice has none at all (caller commits)."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(BookingRule)):
        return False
    db.session.add_all(BookingRule(**values) for values in DEFAULT_RULES)
    return True
