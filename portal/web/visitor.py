"""Who is asking: the site's one place for "is this a signed-in person's request?".

``signed_in()`` is the answer for views, forms and the cross-site check. It does not consult
Flask-Login (and so the database) for a request that carries neither a session with a
sign-in nor a "keep me signed in" cookie, so an anonymous reader costs nothing.

``carries_sign_in()`` is for the response hooks, which run after the view (and after a
sign-out or a password change may have ended the session): it only looks at the session
the response will send, never at Flask-Login's user, and never reads a session the request
did not send (reading one would add ``Vary: Cookie`` to a page meant to be shared).
"""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def signed_in() -> bool:
    if not has_request_context():
        return False
    remember = current_app.config["REMEMBER_COOKIE_NAME"]
    if "_user_id" not in session and remember not in request.cookies:
        return False
    return bool(current_user.is_authenticated)


def carries_sign_in() -> bool:
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies and not session:
        return False
    return "_user_id" in session
