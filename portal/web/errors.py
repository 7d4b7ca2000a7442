"""Error pages in the site's layout, one template for every HTTP error."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InternalError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db, limiter
from portal.web import security_log
from portal.web.cross_origin import CrossSiteRequest

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Page not found", "There is nothing at this address."),
    405: ("Method not allowed", "This page cannot be used that way."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    429: ("Too many attempts", "You have tried this too often."),
    500: ("Something went wrong", "The error has been logged. Please try again shortly."),
    503: ("Unavailable", "This page cannot be shown just now. Please try again in a minute."),
}
NOT_SAVED = (
    "Not saved",
    "What you sent could not be saved just now. Nothing was changed: please try again in a minute.",
)
# Seconds a person (or a client honouring Retry-After) waits before sending again.
RETRY_AFTER_UNAVAILABLE = 60


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InternalError, handle_database_internal_error)


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    if code == 500:
        return handle_server_error(error)
    title, message = MESSAGES.get(code, (error.name, error.description or ""))
    cross_site = isinstance(error, CrossSiteRequest)  # logged as such where it was refused
    if cross_site:
        message = error.description or message
    retry_after = None
    if code == 429:
        retry_after = _retry_after_seconds()
        security_log.event("rate_limited", warning=True, limit=str(limiter.current_limit or "-"))
    elif code == 403 and not cross_site:
        security_log.event("access_denied", user_id=_user_id(), warning=True)
    response = render_template(
        "errors/error.html", code=code, title=title, message=message, retry_after=retry_after
    )
    headers = dict(error.get_response().headers) if code in (405, 429) else {}
    headers.pop("Content-Type", None)
    headers.pop("Content-Length", None)
    return response, code, headers


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    """A form without a valid CSRF token: usually a page left open too long, or a forgery."""
    security_log.event(
        "csrf_failed", user_id=_user_id(), warning=True, reason=str(error.description)[:80]
    )
    message = (
        "The form could not be accepted because its security token is missing or has expired. "
        "Go back, reload the page and send it again."
    )
    return render_template("errors/error.html", code=400, title="Bad request", message=message), 400


def handle_server_error(error: Exception) -> ResponseReturnValue:
    # A failed transaction must not leak into the rendering of the error page.
    db.session.rollback()
    title, message = MESSAGES[500]
    return (
        render_template("errors/error.html", code=500, title=title, message=message),
        500,
    )


def handle_database_unavailable(error: OperationalError | InternalError) -> ResponseReturnValue:
    """The database refused or could not take the work (read-only, disk full, gone): the
    transaction is rolled back whole, and the person is asked to try again (503), not shown
    an error of ours (500)."""
    db.session.rollback()
    current_app.logger.warning("database unavailable: %s", str(error.orig)[:200])
    title, message = MESSAGES[503] if request.method in ("GET", "HEAD") else NOT_SAVED
    page = render_template("errors/error.html", code=503, title=title, message=message)
    return page, 503, {"Retry-After": str(RETRY_AFTER_UNAVAILABLE)}


# PostgreSQL's "read_only_sql_transaction": a server (or replica) set to refuse writes.
READ_ONLY_SQLSTATE = "25006"


def handle_database_internal_error(error: InternalError) -> ResponseReturnValue:
    """A read-only PostgreSQL refuses a write as an "internal error": that one is a 503 too;
    any other is ours (500)."""
    if getattr(error.orig, "sqlstate", None) == READ_ONLY_SQLSTATE:
        return handle_database_unavailable(error)
    return handle_server_error(error)


def _retry_after_seconds() -> int | None:
    """Seconds until the limit that refused this request resets (Flask-Limiter knows)."""
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))
