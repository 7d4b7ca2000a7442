"""What a commenter is told after posting or editing, shown beside their comment.

A flashed message shows at the top of the page, far above a comment on a tall page; this
one is kept in the session for the next article page that shows that comment, which
renders it under the comment (only for the person who posted it: it is in their session),
where the browser lands (``#comment-ID``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import session

KEY = "blog.notice"


@dataclass(frozen=True)
class Notice:
    comment_id: int
    text: str


def leave(comment_id: int, text: str) -> None:
    session[KEY] = [comment_id, text]


def waiting() -> bool:
    """A notice waits for some page (that page is then personal: rendered, not cached)."""
    return KEY in session


def take() -> Notice | None:
    """The waiting notice, removed from the session: it is shown once, on the next article
    page (the one the commenter is sent to), under its comment if that page shows it."""
    value = session.pop(KEY, None)
    if not (isinstance(value, list) and len(value) == 2):
        return None
    comment_id, text = value
    if not isinstance(comment_id, int) or not isinstance(text, str):
        return None
    return Notice(comment_id=comment_id, text=text)
