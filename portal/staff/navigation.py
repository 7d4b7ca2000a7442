"""The back office's own navigation: its sections, shown to the staff who may open them.

The site-wide navigation (``portal.web.templating``) knows nothing of the back office; the
staff blueprint registers these two template globals when it is registered on the app.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask.sansio.app import App
from flask_login import current_user

from portal.auth.permissions import is_admin_only
from portal.web.templating import NavItem, visitor_audiences

# The back office's sections, shown on its front page when their views exist, to the
# audience that may open them (``staff`` or ``admin``, as in ``portal.web.templating.NAVIGATION``).
STAFF_SECTIONS: list[tuple[str, str, str, str]] = [
    (
        "staff.clients",
        "Clients",
        "Find a client, record a session, write recommendations.",
        "staff",
    ),
    ("staff.posts", "Blog", "Write, schedule and publish articles.", "staff"),
    ("staff.pages", "Pages", "About, services and prices, visit us, privacy.", "staff"),
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


def init_app(app: App) -> None:
    app.jinja_env.globals["staff_sections"] = staff_sections
    app.jinja_env.globals["staff_navigation"] = staff_navigation


def staff_sections() -> list[tuple[str, str, str]]:
    """(endpoint, label, description) of the sections this person may open.

    A section is left out when its audience is ``admin`` or its view is guarded by
    ``admin_required`` and the person is not an admin.
    """
    views = current_app.view_functions
    visible_to = visitor_audiences()
    return [
        (endpoint, label, description)
        for endpoint, label, description, audience in STAFF_SECTIONS
        if endpoint in views
        and audience in visible_to
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
