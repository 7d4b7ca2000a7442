"""The app the page benchmark serves under gunicorn: the real one, plus a bare "hello" route.

The hello route runs through the same app, middleware and gunicorn settings as the real
pages, so the ratio between them is the cost of the page itself.
"""

from __future__ import annotations

from portal import create_app

app = create_app()


@app.route("/bench/hello")
def hello() -> str:
    return "hello"
