"""URL converters: ``<int:…>`` only matches numbers a database id can be.

Werkzeug's ``int`` converter accepts any number of digits, so ``/portal/sessions/1`` followed
by thirty nines reached the database (SQLite: ``OverflowError``; PostgreSQL: integer out of
range), a 500. Replacing the converter before any blueprint is registered bounds every
``<int:…>`` route, including routes added later: past the bound is simply no match, a 404.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from portal.pagination import MAX_ID


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter
