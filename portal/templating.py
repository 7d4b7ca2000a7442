"""What every template can use: the practice's details, the navigation, small filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

# (endpoint, label, who sees it). Entries whose blueprint is not registered yet are
# skipped, so features can arrive one at a time without template changes.
NAVIGATION: list[tuple[str, str, str]] = [
    ("blog.index", "Blog", "everyone"),
    ("newsletter.subscribe", "Newsletter", "everyone"),
    ("clients.dashboard", "My sessions", "client"),
    ("staff.index", "Back office", "staff"),
    ("auth.account", "Account", "signed_in"),
    ("auth.login", "Sign in", "anonymous"),
    ("auth.register", "Register", "anonymous"),
]


# The back office's sections, shown on its front page when their views exist.
STAFF_SECTIONS: list[tuple[str, str, str]] = [
    ("staff.clients", "Clients", "Find a client, record a session, write recommendations."),
    ("staff.posts", "Blog", "Write, schedule and publish articles."),
    ("staff.comments", "Comments", "Moderate the comment queue."),
    ("staff.campaigns", "Newsletter", "Compose, preview and send campaigns."),
    ("staff.tip_sequences", "Training tips", "The tips sent before and after each runner's race."),
    ("staff.mail_log", "Mail log", "What the outbox sent, and what failed."),
    ("staff.mailbox", "Development mailbox", "Messages caught when no SMTP server is set."),
    ("staff.audit_log", "Audit log", "Who viewed or changed which client's records."),
    ("staff.accounts", "Staff accounts", "Invite and manage therapists (admins only)."),
]


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(practice_context)
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["staff_sections"] = staff_sections
    app.jinja_env.filters["duration_words"] = duration_words


def practice_context() -> dict[str, Any]:
    return {
        "practice": {
            "name": current_app.config["PRACTICE_NAME"],
            "address": current_app.config["PRACTICE_ADDRESS"],
        }
    }


def _visible(audience: str) -> bool:
    signed_in = current_user.is_authenticated
    return {
        "everyone": True,
        "anonymous": not signed_in,
        "signed_in": signed_in,
        "client": signed_in and current_user.is_client,
        "staff": signed_in and current_user.is_staff,
    }[audience]


def nav_items() -> list[NavItem]:
    items = []
    current_blueprint = request.blueprint if request else None
    for endpoint, label, audience in NAVIGATION:
        if endpoint not in current_app.view_functions or not _visible(audience):
            continue
        active = request.endpoint == endpoint or (
            current_blueprint is not None
            and endpoint.split(".", 1)[0] == current_blueprint
            and current_blueprint not in ("auth", "main")
        )
        items.append(NavItem(label=label, url=url_for(endpoint), active=active))
    return items


def duration_words(seconds: int | float) -> str:
    """``3700`` → "1 hour 2 minutes"; rounds up to whole minutes past one minute."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def staff_sections() -> list[tuple[str, str, str]]:
    return [entry for entry in STAFF_SECTIONS if entry[0] in current_app.view_functions]
