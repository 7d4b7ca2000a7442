"""Absolute links for emails and feeds, built on ``PORTAL_BASE_URL``.

They must work outside a request (a worker, the CLI) and must never take the host from a
request's Host header, which an attacker controls.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: object) -> str:
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
