"""Links: absolute ones for emails and feeds, and the local paths a redirect may follow.

Absolute links are built on ``PORTAL_BASE_URL``: they must work outside a request (a worker,
the CLI) and must never take the host from a request's Host header, which an attacker
controls.
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


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site that a redirect may follow, else None.

    For ``next`` values and the like, which anyone can write into a link. Refused: other
    sites (``https://…``, ``//host``), backslashes (browsers read ``/\\host`` as ``//host``),
    and white space or control characters (a line break in a ``Location`` header is header
    injection; Werkzeug refuses it with an error, which was a 500).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(char.isspace() or not char.isprintable() for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
