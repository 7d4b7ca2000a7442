"""The client portal (``/portal/``): a client's sessions, recommendations and plans.

Every view is for the signed-in client and reads through ``portal.clients.queries``,
which scopes each query to that client. The one exception is the calendar feed, which a
calendar app fetches with the client's secret token instead of a login.
"""

from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/portal")

from portal.clients import cache, personal_data, routes, templating  # noqa: E402,F401
