"""What every template can use: the practice's details, the navigation, small filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request, url_for
from flask.sansio.app import App
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.local import LocalProxy

from portal.core import locale, practice
from portal.core.render_cache import VersionedCache
from portal.extensions import db

# (endpoint, label, who sees it). Entries whose blueprint is not registered yet are
# skipped, so features can arrive one at a time without template changes.
NAVIGATION: list[tuple[str, str, str]] = [
    ("blog.index", "Blog", "everyone"),
    ("newsletter.subscribe", "Newsletter", "everyone"),
    ("clients.dashboard", "My portal", "client"),
    ("staff.index", "Back office", "staff"),
    ("auth.account", "Account", "signed_in"),
    ("auth.login", "Sign in", "anonymous"),
    ("auth.register", "Register", "anonymous"),
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
    app.jinja_env.filters["duration_words"] = duration_words
    app.jinja_env.filters.update(locale.FILTERS)
    app.jinja_env.globals["slot"] = slot


# Places in one feature's pages where another feature may add a part, by name. The page
# writes ``{% for part in slot("account") %}{% include part %}{% endfor %}``; a feature adds
# its template with ``fill_slot`` when its blueprint is registered. The page never names
# the other feature, and an app without that feature simply shows nothing there.
SLOTS = {
    "account": "the account page, after the signed-in devices (newsletter, own comments)",
    "client_dashboard": "the client dashboard, at its end",
    "subscribe_box": "the home page and every article, after the content",
}


def fill_slot(app: App, name: str, template: str) -> None:
    if name not in SLOTS:
        raise ValueError(f"no slot {name!r}: the slots are {sorted(SLOTS)}")
    parts: dict[str, list[str]] = app.extensions.setdefault("template_slots", {})
    if template not in parts.setdefault(name, []):
        parts[name].append(template)


def slot(name: str) -> list[str]:
    """The templates features added to the slot ``name``, in the order they were added."""
    parts: dict[str, list[str]] = current_app.extensions.get("template_slots", {})
    return parts.get(name, [])


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


def visitor_audiences() -> frozenset[str]:
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


def nav_items() -> list[NavItem]:
    """The main navigation for this visitor and page: built once per process for each
    audience, page and script root (the URLs of views without arguments do not change)."""
    audiences = visitor_audiences()
    endpoint = request.endpoint if request else None
    blueprint = request.blueprint if request else None
    key = (audiences, endpoint, blueprint, request.script_root if request else "")
    built: VersionedCache | None = current_app.extensions.get("nav_items")
    if built is None:  # bounded, whatever script roots a server passes
        built = current_app.extensions["nav_items"] = VersionedCache(NAV_ENTRIES)
    items = built.get(key, 0)
    if items is None:
        items = tuple(_build_nav_items(audiences, endpoint, blueprint))
        built.put(key, 0, items)
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
