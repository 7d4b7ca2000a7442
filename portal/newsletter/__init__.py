"""The newsletter (``/newsletter/``): double opt-in subscriptions, preferences and one-click
unsubscribe, campaigns, new articles by email, and training tips timed to each runner's race.

Everything it sends goes through the outbox (``portal.mail``); nothing here opens an SMTP
connection. See docs/newsletter.md.
"""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from portal.web.templating import fill_slot

bp = Blueprint("newsletter", __name__, url_prefix="/newsletter")


@bp.record_once
def _fill_slots(state: BlueprintSetupState) -> None:
    """The newsletter's parts on other features' pages (``portal.web.templating.SLOTS``)."""
    fill_slot(state.app, "account", "newsletter/_account_section.html")
    fill_slot(state.app, "client_dashboard", "newsletter/_dashboard.html")
    fill_slot(state.app, "subscribe_box", "newsletter/_subscribe_box.html")


from portal.newsletter import (  # noqa: E402,F401
    account,
    articles,
    personal_data,
    personalise,
    render_scopes,
    routes,
    tasks,
    templating,
)

personalise.install()
