"""Compressing responses in the app, for deployments whose proxy does not (Flask-Compress).

Off by default: a reverse proxy (nginx, Caddy, a cloud load balancer) compresses more cheaply
and caches the result; ``COMPRESS_RESPONSES=1`` switches it on here (docs/deploy.md).

HTML is never compressed: its pages carry CSRF tokens next to text a visitor can make the page
repeat (search terms, form values), which over TLS is what the BREACH attack needs to read the
token byte by byte from compressed sizes. Stylesheets, feeds, JSON and calendars hold no such
secret.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

COMPRESSED_TYPES = [
    "text/css",
    "text/plain",
    "text/calendar",
    "application/json",
    "application/xml",
    "application/atom+xml",
    "image/svg+xml",
]


def init_app(app: Flask) -> None:
    if not app.config.get("COMPRESS_RESPONSES"):
        return
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_BR_LEVEL", 4)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    Compress(app)
