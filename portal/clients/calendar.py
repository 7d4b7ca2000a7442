"""The client's calendar feed: sessions, recommendation due dates and the goal race.

Calendar apps subscribe without signing in, so the feed is reached with a secret token:
``<client id>.<HMAC of the client's feed secret under SECRET_KEY>``. Nothing usable is
stored: a copy of the database alone cannot build a working URL, and resetting the secret
(``CalendarFeed.reset``) stops the old URL at once. A client who never reset has no row and
an empty secret, so viewing the calendar page writes nothing.

Every value is made safe for the format as the feed is built, whatever the database holds:
one-line values (names, titles, the location) are flattened with ``single_line``, notes lose
control characters, links that are not plain web addresses are left out, and dates at the
calendar's ends are not overflowed. A name with a line break, stored before forms refused
it, once made icalendar refuse the whole feed, for good.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar, Event

from portal.clients.links import further_reading, is_web_url
from portal.clients.queries import SESSION_ROW
from portal.core import practice
from portal.core.text import clean_text, single_line
from portal.extensions import db
from portal.models import (
    CalendarFeed,
    MassageSession,
    Recommendation,
    Role,
    TrainingProfile,
    User,
)
from portal.models.types import utcnow
from portal.web.pagination import MAX_ID
from portal.web.urls import external_url


def _mac(user_id: int, secret: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"calendar-feed:{user_id}:{secret}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _secret(user_id: int) -> str:
    feed = db.session.get(CalendarFeed, user_id)
    return feed.secret if feed else ""


def calendar_token(user_id: int) -> str:
    return f"{user_id}.{_mac(user_id, _secret(user_id))}"


def client_for_token(token: str) -> User | None:
    """The active client whose current calendar token is ``token``, or None."""
    user_id_text, _, mac = token.partition(".")
    # An id a database column can hold (PostgreSQL refused 2147483648 with a 500).
    if not (user_id_text.isascii() and user_id_text.isdigit()) or len(user_id_text) > 10:
        return None
    user_id = int(user_id_text)
    if not 1 <= user_id <= MAX_ID or not mac:
        return None
    if not hmac.compare_digest(_mac(user_id, _secret(user_id)), mac):
        return None
    return db.session.scalar(
        sa.select(User).where(User.id == user_id, User.role == Role.CLIENT, User.is_active_account)
    )


def reset_token(user_id: int) -> None:
    """Replace the client's feed secret: the old subscription URL stops working (caller commits)."""
    feed = db.session.get(CalendarFeed, user_id)
    if feed is None:
        feed = CalendarFeed(user_id=user_id)
        db.session.add(feed)
    feed.reset()


def _uid_domain() -> str:
    return urlsplit(current_app.config["PORTAL_BASE_URL"]).hostname or "massage-works.invalid"


def _session_event(session: MassageSession, domain: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"session-{session.id}@{domain}")
    event.add("dtstamp", stamp)
    if session.starts_at is not None:
        # Floating local time: the practice's wall clock, wherever the reader's calendar is.
        event.add("dtstart", datetime.combine(session.held_on, session.starts_at))
        event.add("duration", timedelta(minutes=session.duration_minutes))
    else:
        _add_day(event, session.held_on)
    who = f" with {session.therapist.name}" if session.therapist else ""
    event.add("summary", single_line(f"{session.modality_label}{who}"))
    lines = [f"{session.duration_minutes} minutes"]
    if session.area_labels:
        lines.append("Areas worked: " + ", ".join(session.area_labels))
    if session.client_notes:
        lines.append("")
        lines.append(clean_text(session.client_notes))
    event.add("description", "\n".join(lines))
    event.add("location", single_line(practice.current().address))
    event.add("url", external_url("clients.session_detail", session_id=session.id))
    return event


def _due_event(recommendation: Recommendation, domain: str, stamp: datetime) -> Event:
    assert recommendation.due_on is not None
    event = Event()
    event.add("uid", f"recommendation-{recommendation.id}@{domain}")
    event.add("dtstamp", stamp)
    _add_day(event, recommendation.due_on)
    event.add("summary", single_line(f"Due: {recommendation.title}"))
    frequency = single_line(recommendation.frequency or "")
    lines = [line for line in (frequency, clean_text(recommendation.details or "")) if line]
    event.add("description", "\n".join(lines))
    link = further_reading(recommendation)
    if link and is_web_url(link):
        event.add("url", link)
    else:
        event.add("url", external_url("clients.recommendations"))
    return event


def _race_event(profile: TrainingProfile, domain: str, stamp: datetime) -> Event:
    assert profile.goal_race_on is not None
    event = Event()
    event.add("uid", f"race-{profile.user_id}-{profile.goal_race_on:%Y%m%d}@{domain}")
    event.add("dtstamp", stamp)
    _add_day(event, profile.goal_race_on)
    event.add("summary", single_line(f"Race day: {profile.goal_race_name or 'goal race'}"))
    return event


def _add_day(event: Event, day: date) -> None:
    """An all-day event. Its end is the next day; on the calendar's last day there is none,
    which RFC 5545 reads as the same: an all-day event lasts one day."""
    event.add("dtstart", day)
    if day < date.max:
        event.add("dtend", day + timedelta(days=1))


def build_calendar(client: User) -> bytes:
    """The iCalendar document for ``client``: three queries whatever the history's size."""
    sessions = db.session.scalars(
        sa.select(MassageSession)
        .where(MassageSession.client_id == client.id)
        .order_by(MassageSession.held_on, MassageSession.id)
        .options(*SESSION_ROW)
    )
    due = db.session.scalars(
        sa.select(Recommendation)
        .where(
            Recommendation.client_id == client.id,
            Recommendation.done_at.is_(None),
            Recommendation.due_on.is_not(None),
        )
        .order_by(Recommendation.due_on, Recommendation.id)
    )
    profile = db.session.get(TrainingProfile, client.id)

    name = practice.current().name
    calendar = Calendar()
    calendar.add("prodid", single_line(f"-//{name}//Client portal//EN"))
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", single_line(f"{name}: {client.name}"))
    domain, stamp = _uid_domain(), utcnow()
    for session in sessions:
        calendar.add_component(_session_event(session, domain, stamp))
    for recommendation in due:
        calendar.add_component(_due_event(recommendation, domain, stamp))
    if profile is not None and profile.goal_race_on is not None:
        calendar.add_component(_race_event(profile, domain, stamp))
    return calendar.to_ical()


def subscription_url(user_id: int) -> str:
    return external_url("clients.calendar_feed", token=calendar_token(user_id))
