"""The app the page benchmark serves under gunicorn: the real one and a bare Flask "hello".

``/bench/hello`` is answered by a separate, bare Flask app (no extensions, no hooks) mounted
in the same WSGI process: the yardstick is "a bare Flask hello route under the same
gunicorn", so a page's ratio to it is what the page costs over the least a Flask request can.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from portal import create_app

bare = Flask("bare")


@bare.route("/hello")
def hello() -> str:
    return "hello"


app = create_app()
app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/bench": bare})  # type: ignore[method-assign]
