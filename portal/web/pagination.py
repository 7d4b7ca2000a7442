"""Numbers read from the query string: page numbers and ids, always within bounds.

Why bounds: ``?page=99999999999999999999`` once reached SQLite as an offset too large for a
64-bit integer (``OverflowError``) and PostgreSQL as an integer out of range; both were
500s. Every paginated list goes through ``paginate``, every id filter through ``id_arg``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_sqlalchemy.pagination import Pagination

from portal.extensions import db

# The largest id any table here can hold (PostgreSQL ``integer``), and a page number no list
# of this site comes near.
MAX_ID = 2**31 - 1
MAX_PAGE = 10_000


def _number(text: str | None) -> int | None:
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    return int(text)


def page_number() -> int:
    """``?page=`` as a number from 1; missing or unreadable is page 1, absurd is a 404."""
    text = request.args.get("page")
    number = _number(text)
    if number is None:
        return 1
    if number > MAX_PAGE:
        abort(404)
    return max(1, number)


def paginate(query: Any, *, per_page: int) -> Pagination:
    """One page of ``query`` for the page the request asks for (past the end: empty)."""
    return db.paginate(query, page=page_number(), per_page=per_page, error_out=False)


def id_arg(name: str) -> int | None:
    """An id from the query string, or None when it is missing, unreadable or out of range."""
    number = _number(request.args.get(name))
    if number is None or not 1 <= number <= MAX_ID:
        return None
    return number
