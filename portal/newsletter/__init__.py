"""The newsletter (``/newsletter/``): double opt-in subscriptions, preferences and one-click
unsubscribe, campaigns, new articles by email, and training tips timed to each runner's race.

Everything it sends goes through the outbox (``portal.mail``); nothing here opens an SMTP
connection. See docs/newsletter.md.
"""

from flask import Blueprint

bp = Blueprint("newsletter", __name__, url_prefix="/newsletter")

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
