"""Whether an article is public, and its title, asked without importing the blog.

The client portal and the back office link a recommendation to "further reading" on the
practice's blog, but features never import each other (docs/architecture.md). So the blog
answers this one question for everyone: it registers its lookup when its blueprint is
registered, and in an app without the blog every slug is "not a public article".
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask.sansio.app import App

TitleLookup = Callable[[str], str | None]

_EXTENSION_KEY = "portal.article_lookup"


def provide(app: App, lookup: TitleLookup) -> None:
    """Called by the blog: ``lookup(slug)`` gives the public article's title, or None."""
    app.extensions[_EXTENSION_KEY] = lookup


def public_article_title(slug: str) -> str | None:
    lookup: TitleLookup | None = current_app.extensions.get(_EXTENSION_KEY)
    return lookup(slug) if lookup is not None else None
