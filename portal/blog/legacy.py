"""Old addresses of imported sites: how they are stored and found.

A WordPress site's addresses come in many shapes (``/2021/04/12/slug/``, ``/slug/``,
``/archives/123``, ``/slug.html``, ``/?p=123``, ``/wp-content/uploads/…/photo.jpg``), and a
browser spells the same address several ways: percent-escapes in upper or lower case, or
raw UTF-8, composed or decomposed accents, with or without the trailing slash. ``path_key``
reduces all of them to one form, which is what ``LegacyRedirect.path`` stores.

Two imported sites may share an address (both had ``/about/`` and ``/?p=5``). Each redirect
records its site, and a request is answered from the site whose host it came to (the old
domain pointed at this server), else from the first site imported.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from portal.extensions import db
from portal.models import LegacyRedirect

PATH_MAX = 400


def path_key(path: str, *, encoded: bool = True) -> str:
    """``/2021/04/%E4%B8%AD/`` and ``/2021/04/中`` → ``/2021/04/中``. A request's path is
    already decoded (``encoded=False``); an export's links are not."""
    text = unicodedata.normalize("NFC", unquote(path) if encoded else path).lower()
    text = text.rstrip("/") or "/"
    return text if text.startswith("/") else "/" + text


def site_key(url: str) -> str:
    """``https://www.Example.com/blog/`` → ``example.com/blog``: a site, whatever its scheme."""
    try:
        parts = urlsplit(url.strip() if "://" in url else "http://" + url.strip())
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError:  # an address no browser could have used
        return ""
    key = host + unquote(parts.path).rstrip("/")
    return "".join(char for char in key if char.isprintable())[:200]


def link_path(link: str) -> str | None:
    """The path of an item's ``<link>`` on its own site, as a key (None when it has none)."""
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return None
    if not parts.path or parts.path == "/" or parts.query:
        return None
    key = path_key(parts.path)
    return key if len(key) <= PATH_MAX and key.isprintable() else None


def find(key: str, host: str) -> LegacyRedirect | None:
    """The redirect for ``key``, preferring the site that lived at ``host``."""
    if len(key) > PATH_MAX:
        return None
    rows = db.session.scalars(
        sa.select(LegacyRedirect).where(LegacyRedirect.path == key).order_by(LegacyRedirect.id)
    ).all()
    host = host.lower().split(":", 1)[0].removeprefix("www.")
    for row in rows:
        if row.source_site.split("/", 1)[0] == host:
            return row
    return rows[0] if rows else None
