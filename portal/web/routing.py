"""URL converters: ``<int:…>`` only matches numbers a database id can be, and a text part
of a path never holds a control character.

Werkzeug's ``int`` converter accepts any number of digits, so ``/portal/sessions/1`` followed
by thirty nines reached the database (SQLite: ``OverflowError``; PostgreSQL: integer out of
range), a 500. Replacing the converter before any blueprint is registered bounds every
``<int:…>`` route, including routes added later: past the bound is simply no match, a 404.

The same for text: ``/blog/a%00b`` reached PostgreSQL, which refuses a NUL byte in a text
parameter (``DataError``, a 500). No slug, tag or token the site makes holds a control
character, so the ``string`` converter (also the default, ``<slug>``) does not match one.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

from portal.web.pagination import MAX_ID


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class PlainTextConverter(UnicodeConverter):
    """Werkzeug's ``string`` converter without C0 and C1 control characters or DEL."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f-\\x9f]")


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter
    app.url_map.converters["string"] = PlainTextConverter
    app.url_map.converters["default"] = PlainTextConverter
