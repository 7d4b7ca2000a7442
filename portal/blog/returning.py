"""Which guest comments this browser wrote: a signed cookie, so a returning guest is
recognised by the browser that wrote an approved comment, not by what they type.

A guest's name and email are no secret (the name is shown, the address is known to whoever
the guest writes to), so typing them proves nothing. The cookie holds the ids of the last
``MAX_KEPT`` comments this browser posted as a guest, signed with ``SECRET_KEY``: a reader
cannot add someone else's comment to it. It is set in the answer to every guest comment,
held or published, and counts only once one of the comments it names is approved and was
written with the address now given.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.web.pagination import MAX_ID

COOKIE = "commenter"
MAX_KEPT = 20
MAX_AGE = 365 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="blog.returning-commenter")


def written_here() -> list[int]:
    """The comment ids this browser's cookie names (none when absent, forged or malformed)."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 1000:
        return []
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return []
    items = value if isinstance(value, list) else []
    ids = [item for item in items if type(item) is int and 0 < item <= MAX_ID]
    return ids[-MAX_KEPT:]


def is_returning_guest(email: str | None, comment_ids: list[int]) -> bool:
    """True when one of ``comment_ids`` is an approved guest comment written as ``email``."""
    if not email or not comment_ids:
        return False
    found = db.session.scalar(
        sa.select(Comment.id)
        .where(
            Comment.id.in_(comment_ids),
            Comment.author_id.is_(None),
            Comment.email == email,
            Comment.status == CommentStatus.APPROVED.value,
        )
        .limit(1)
    )
    return found is not None


def remember_comment(response: Response, comment_id: int) -> Response:
    ids = [cid for cid in written_here() if cid != comment_id]
    ids.append(comment_id)
    response.set_cookie(
        COOKIE,
        _serializer().dumps(ids[-MAX_KEPT:]),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/blog/",
    )
    return response
