"""Which held comments this browser wrote: a signed cookie, so "awaiting moderation" shows
to their author (without JavaScript, without an account) and to nobody else.

The cookie holds ``post_id:comment_id`` pairs (the last ``MAX_HELD``), signed with
``SECRET_KEY``: a reader cannot add someone else's comment to it.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from portal.blog.browser_memory import BrowserList
from portal.web.pagination import MAX_ID

MAX_HELD = 20
HELD = BrowserList("held_comments", "blog.held-comments", MAX_HELD, max_age=30 * 24 * 3600)


def held_pairs() -> list[tuple[int, int]]:
    pairs = []
    for item in HELD.items():
        if (
            isinstance(item, list)
            and len(item) == 2
            and all(type(n) is int and 0 < n <= MAX_ID for n in item)
        ):
            pairs.append((item[0], item[1]))
    return pairs[-MAX_HELD:]


def held_ids_for(post_id: int) -> list[int]:
    return [comment_id for post, comment_id in held_pairs() if post == post_id]


def remember_held(response: Response, post_id: int, comment_id: int) -> Response:
    pairs = [list(pair) for pair in held_pairs() if pair[1] != comment_id]
    pairs.append([post_id, comment_id])
    return HELD.store(response, pairs)
