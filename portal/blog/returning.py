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
from werkzeug.wrappers import Response

from portal.blog.browser_memory import BrowserList
from portal.extensions import db
from portal.models import Comment, CommentStatus
from portal.web.pagination import MAX_ID

MAX_KEPT = 20
WRITTEN = BrowserList(
    "commenter", "blog.returning-commenter", MAX_KEPT, max_age=365 * 24 * 3600, max_bytes=1000
)


def written_here() -> list[int]:
    """The comment ids this browser's cookie names (none when absent, forged or malformed)."""
    ids = [item for item in WRITTEN.items() if type(item) is int and 0 < item <= MAX_ID]
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
    return WRITTEN.store(response, ids)
