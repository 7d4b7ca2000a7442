"""The audit log, read-only: who viewed or changed which client's records, in words.

Entries store codes and ids (``client.view``, ``massage_session`` 26) so that they outlive
the records they mention. The page turns them into names, words and links: the people of a
page in one query, and the records of each kind of target in one query each, whatever the
number of entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template, url_for

from portal.clients.templating import long_date
from portal.core.audit import AuditAction, AuditTarget
from portal.extensions import db
from portal.models import (
    AuditEntry,
    Campaign,
    Comment,
    MassageSession,
    Post,
    Recommendation,
    Role,
    TipSequence,
    TipStep,
    User,
)
from portal.staff import bp
from portal.web.pagination import id_arg, paginate

PER_PAGE = 50


@dataclass(frozen=True)
class Person:
    name: str
    is_client: bool


@dataclass(frozen=True)
class Target:
    label: str
    url: str | None = None


@dataclass(frozen=True)
class AuditLine:
    entry: AuditEntry
    actor: str
    what: str
    subject: str | None
    target: Target | None


# One lookup per kind of target: the ids of a page's entries → what each is, in words, with a
# link to it in the back office. A record that no longer exists is simply absent.
TargetLookup = Callable[[set[int], dict[int, Person]], dict[int, Target]]


def _users(ids: set[int], people: dict[int, Person]) -> dict[int, Target]:
    return {
        user_id: Target(
            f"{person.name}'s record" if person.is_client else f"{person.name}'s account",
            url_for("staff.client_detail", client_id=user_id) if person.is_client else None,
        )
        for user_id, person in people.items()
        if user_id in ids
    }


def _sessions(ids: set[int], people: dict[int, Person]) -> dict[int, Target]:
    rows = db.session.execute(
        sa.select(MassageSession.id, MassageSession.client_id, MassageSession.held_on).where(
            MassageSession.id.in_(ids)
        )
    )
    return {
        session_id: Target(
            f"Session of {long_date(held_on)}",
            url_for("staff.edit_session", client_id=client_id, session_id=session_id),
        )
        for session_id, client_id, held_on in rows
    }


def _recommendations(ids: set[int], people: dict[int, Person]) -> dict[int, Target]:
    rows = db.session.execute(
        sa.select(Recommendation.id, Recommendation.client_id, Recommendation.title).where(
            Recommendation.id.in_(ids)
        )
    )
    return {
        rec_id: Target(
            f"Recommendation “{title}”",
            url_for("staff.edit_recommendation", client_id=client_id, recommendation_id=rec_id),
        )
        for rec_id, client_id, title in rows
    }


def _settings(ids: set[int], people: dict[int, Person]) -> dict[int, Target]:
    return {
        settings_id: Target("Practice settings", url_for("staff.practice_settings"))
        for settings_id in ids
    }


def _campaigns(ids: set[int], people: dict[int, Person]) -> dict[int, Target]:
    rows = db.session.execute(sa.select(Campaign.id, Campaign.subject).where(Campaign.id.in_(ids)))
    return {
        campaign_id: Target(
            f"Campaign “{subject}”", url_for("staff.campaign_detail", campaign_id=campaign_id)
        )
        for campaign_id, subject in rows
    }


def _tip_sequences(ids: set[int], people: dict[int, Person]) -> dict[int, Target]:
    rows = db.session.execute(
        sa.select(TipSequence.id, TipSequence.name).where(TipSequence.id.in_(ids))
    )
    return {
        sequence_id: Target(
            f"Tips “{name}”", url_for("staff.tip_sequence", sequence_id=sequence_id)
        )
        for sequence_id, name in rows
    }


def _tip_steps(ids: set[int], people: dict[int, Person]) -> dict[int, Target]:
    rows = db.session.execute(
        sa.select(TipStep.id, TipStep.sequence_id, TipStep.subject).where(TipStep.id.in_(ids))
    )
    return {
        step_id: Target(
            f"Tip “{subject}”",
            url_for("staff.tip_step_edit", sequence_id=sequence_id, step_id=step_id),
        )
        for step_id, sequence_id, subject in rows
    }


def _posts(ids: set[int], people: dict[int, Person]) -> dict[int, Target]:
    rows = db.session.execute(sa.select(Post.id, Post.title).where(Post.id.in_(ids)))
    return {
        post_id: Target(f"Article “{title}”", url_for("staff.edit_post", post_id=post_id))
        for post_id, title in rows
    }


def _comments(ids: set[int], people: dict[int, Person]) -> dict[int, Target]:
    rows = db.session.execute(
        sa.select(Comment.id, Post.title)
        .join(Post, Post.id == Comment.post_id)
        .where(Comment.id.in_(ids))
    )
    return {comment_id: Target(f"Comment on “{title}”") for comment_id, title in rows}


TARGET_LOOKUPS: dict[str, TargetLookup] = {
    AuditTarget.USER: _users,
    AuditTarget.SESSION: _sessions,
    AuditTarget.RECOMMENDATION: _recommendations,
    AuditTarget.SETTINGS: _settings,
    AuditTarget.CAMPAIGN: _campaigns,
    AuditTarget.TIP_SEQUENCE: _tip_sequences,
    AuditTarget.TIP_STEP: _tip_steps,
    AuditTarget.POST: _posts,
    AuditTarget.COMMENT: _comments,
}


def _people(entries: Iterable[AuditEntry]) -> dict[int, Person]:
    """Everyone an entry of the page names (actors, clients, target accounts): one query."""
    ids: set[int] = set()
    for entry in entries:
        ids.update(i for i in (entry.actor_user_id, entry.subject_user_id) if i)
        if entry.target_type == AuditTarget.USER and entry.target_id:
            ids.add(entry.target_id)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name, User.role).where(User.id.in_(ids)))
    return {user_id: Person(name, role == Role.CLIENT) for user_id, name, role in rows}


def _what(code: str) -> str:
    try:
        words = AuditAction.of(code).label
    except ValueError:  # a code from before the vocabulary that no migration knew
        return code
    return words[:1].upper() + words[1:]


def describe(entries: list[AuditEntry]) -> list[AuditLine]:
    """The entries of a page as sentences people read, in a fixed number of queries."""
    people = _people(entries)
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.target_type in TARGET_LOOKUPS and entry.target_id:
            wanted.setdefault(entry.target_type, set()).add(entry.target_id)
    targets = {kind: TARGET_LOOKUPS[kind](ids, people) for kind, ids in wanted.items()}

    def target_of(entry: AuditEntry) -> Target | None:
        if not entry.target_type or not entry.target_id:
            return None
        found = targets.get(entry.target_type, {}).get(entry.target_id)
        if found is not None:
            return found
        try:
            kind = AuditTarget.of(entry.target_type).label
        except ValueError:
            kind = entry.target_type
        return Target(f"{kind.capitalize()} #{entry.target_id} (no longer exists)")

    def actor_of(entry: AuditEntry) -> str:
        person = people.get(entry.actor_user_id or 0)
        return person.name if person else entry.actor_email or "The system"

    return [
        AuditLine(
            entry=entry,
            actor=actor_of(entry),
            what=_what(entry.action),
            subject=(
                people[entry.subject_user_id].name
                if entry.subject_user_id in people
                else (f"Account #{entry.subject_user_id}" if entry.subject_user_id else None)
            ),
            target=target_of(entry),
        )
        for entry in entries
    ]


@bp.route("/audit")
def audit_log() -> str:
    """Newest first; ``?client=<id>`` narrows it to one client's records."""
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    client_id = id_arg("client")
    if client_id is not None:
        query = query.where(AuditEntry.subject_user_id == client_id)
    page = paginate(query, per_page=PER_PAGE)
    return render_template(
        "staff/audit_log.html", page=page, lines=describe(page.items), client_id=client_id
    )
