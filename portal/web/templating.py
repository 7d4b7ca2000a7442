"""What every template can use: the practice's details, the navigation, small filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.local import LocalProxy

from portal.auth.permissions import is_admin_only
from portal.core import practice
from portal.extensions import db

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


# The back office's sections, shown on its front page when their views exist, to the
# audience that may open them (``staff`` or ``admin``, as in ``NAVIGATION``).
STAFF_SECTIONS: list[tuple[str, str, str, str]] = [
    (
        "staff.clients",
        "Clients",
        "Find a client, record a session, write recommendations.",
        "staff",
    ),
    ("staff.posts", "Blog", "Write, schedule and publish articles.", "staff"),
    ("staff.comments", "Comments", "Moderate the comment queue.", "staff"),
    ("staff.campaigns", "Newsletter", "Compose, preview and send campaigns.", "staff"),
    (
        "staff.tip_sequences",
        "Training tips",
        "The tips sent before and after each runner's race.",
        "staff",
    ),
    ("staff.mail_log", "Mail log", "What the outbox sent, and what failed.", "staff"),
    (
        "staff.mailbox",
        "Development mailbox",
        "Messages caught when no SMTP server is set.",
        "admin",
    ),
    ("staff.audit_log", "Audit log", "Who viewed or changed which client's records.", "staff"),
    ("staff.accounts", "Staff accounts", "Invite and manage therapists and admins.", "admin"),
    (
        "staff.practice_settings",
        "Practice settings",
        "Name, address, phone, opening hours, how to book, sender address.",
        "admin",
    ),
]


NAV_ENTRIES = 1024


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
    app.jinja_env.globals["staff_navigation"] = staff_navigation
    app.jinja_env.filters["duration_words"] = duration_words
    app.jinja_env.filters["local_datetime"] = local_datetime


def practice_context() -> dict[str, Any]:
    """The practice's details for every page, read when a template first uses them (one
    query per request at most, see portal.practice): a part rendered on its own (the
    subscribe box under a cached article) does not read them.

    With the database unreachable the configuration's details stand in, so that the error
    page (and the home page) can still be drawn.
    """
    return {"practice": _PRACTICE}


def _practice_details() -> practice.PracticeDetails:
    try:
        return practice.current()
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("practice settings unavailable: %s", error)
        details = practice.from_config(current_app.config)
        g.practice_details = details  # once per request, as when the query succeeds
        return details


_PRACTICE: LocalProxy[practice.PracticeDetails] = LocalProxy(_practice_details)


def _audiences() -> frozenset[str]:
    """Who this visitor is, for the navigation: the audiences of ``NAVIGATION`` they are in
    (``current_user`` resolved once, not per entry)."""
    user = current_user._get_current_object()  # noqa: SLF001 (Flask-Login's documented way)
    if not user.is_authenticated:
        return frozenset(("everyone", "anonymous"))
    return frozenset(
        ("everyone", "signed_in")
        + (("client",) if user.is_client else ())
        + (("staff",) if user.is_staff else ())
        + (("admin",) if user.is_admin else ())
    )


def _visible(audience: str) -> bool:
    return audience in _audiences()


def nav_items() -> list[NavItem]:
    """The main navigation for this visitor and page: built once per process for each
    audience, page and script root (the URLs of views without arguments do not change)."""
    audiences = _audiences()
    endpoint = request.endpoint if request else None
    blueprint = request.blueprint if request else None
    key = (audiences, endpoint, blueprint, request.script_root if request else "")
    built: dict[object, tuple[NavItem, ...]] = current_app.extensions.setdefault("nav_items", {})
    items = built.get(key)
    if items is None:
        if len(built) >= NAV_ENTRIES:  # bounded, whatever script roots a server passes
            built.clear()
        items = built[key] = tuple(_build_nav_items(audiences, endpoint, blueprint))
    return list(items)


def _build_nav_items(
    audiences: frozenset[str], current_endpoint: str | None, current_blueprint: str | None
) -> list[NavItem]:
    items = []
    for endpoint, label, audience in NAVIGATION:
        if endpoint not in current_app.view_functions or audience not in audiences:
            continue
        active = current_endpoint == endpoint or (
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


def local_datetime(value: datetime | None) -> str:
    """A stored (UTC) moment as the practice's clock showed it: ``Thu 3 Sep 2026, 14:05``."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(current_app.config["PRACTICE_TIMEZONE"]))
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def staff_sections() -> list[tuple[str, str, str]]:
    """(endpoint, label, description) of the sections this person may open.

    A section is left out when its audience is ``admin`` or its view is guarded by
    ``admin_required`` and the person is not an admin.
    """
    views = current_app.view_functions
    return [
        (endpoint, label, description)
        for endpoint, label, description, audience in STAFF_SECTIONS
        if endpoint in views
        and _visible(audience)
        and (current_user.is_admin or not is_admin_only(views[endpoint]))
    ]


def staff_navigation() -> list[NavItem]:
    """The back office's front page and its sections; a section is current on its sub-pages."""
    items = [NavItem("Overview", url_for("staff.index"), request.endpoint == "staff.index")]
    for endpoint, label, _description in staff_sections():
        url = url_for(endpoint)
        active = request.path == url or request.path.startswith(url.rstrip("/") + "/")
        items.append(NavItem(label=label, url=url, active=active))
    return items
