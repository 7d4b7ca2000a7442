"""The app the page benchmark serves under gunicorn: the real one, a bare Flask "hello",
and the floor of the anonymous article page.

``/bench/hello`` is answered by a separate, bare Flask app (no extensions, no hooks) mounted
in the same WSGI process: the issue's yardstick is "a bare Flask hello route under the same
gunicorn", so a page's ratio to it is what the page costs over the least a Flask request can.

``/bench/floor/<slug>`` is the least an anonymous article request can do with the site's
non-negotiables (docs/blog.md "Page benchmark"): a bare Flask app with Flask-WTF's CSRF
protection and the portal's quickest signing (``portal.signed_cookies``) reads the article's
head row on a connection it keeps (the exact-invalidation check) and sends the real page's
bytes with a CSRF token of the visitor's own, so a new session cookie. Nothing else: no
security headers, access log, request id, rate limiter, session expiry or form timestamp.
"""

from __future__ import annotations

import os
import re
from typing import Any

from flask import Flask, abort
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from portal import create_app
from portal.extensions import db
from portal.signed_cookies import MemoizedSessionInterface, generate_csrf

bare = Flask("bare")


@bare.route("/hello")
def hello() -> str:
    return "hello"


app = create_app()

floor = Flask("floor")
floor.secret_key = app.secret_key
floor.config["SESSION_COOKIE_SECURE"] = True
floor.session_interface = MemoizedSessionInterface()
CSRFProtect(floor)
_kept: dict[str, Any] = {}  # per process: the connection and the page cut at its token


def _kept_connection() -> Any:
    if _kept.get("pid") != os.getpid():
        with app.app_context():
            engine = db.engine
            connection = engine.raw_connection()
            if engine.dialect.name == "postgresql":
                connection.driver_connection.autocommit = True
            connection.detach()
            marker = "%s" if engine.dialect.paramstyle in ("format", "pyformat") else "?"
        _kept.update(pid=os.getpid(), connection=connection, marker=marker, pages={})
    return _kept["connection"]


def _page_parts(slug: str) -> list[bytes]:
    pages = _kept["pages"]
    if slug not in pages:
        page = app.test_client().get(f"/blog/{slug}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if token is None:
            abort(404)
        pages[slug] = [part.encode() for part in page.split(token.group(1))]
    return pages[slug]  # type: ignore[no-any-return]


@floor.route("/<slug>")
def article_floor(slug: str) -> bytes:
    cursor = _kept_connection().cursor()
    cursor.execute(f"SELECT id, version FROM posts WHERE slug = {_kept['marker']}", (slug,))
    head = cursor.fetchone()
    cursor.close()
    if head is None:
        abort(404)
    return generate_csrf().encode().join(_page_parts(slug))


app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
    app.wsgi_app, {"/bench": bare, "/bench/floor": floor}
)
