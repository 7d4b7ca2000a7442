"""Which held comments this browser wrote: a signed cookie, so "awaiting moderation" shows
to their author (without JavaScript, without an account) and to nobody else.

The cookie holds ``post_id:comment_id`` pairs (the last ``MAX_HELD``), signed with
``SECRET_KEY``: a reader cannot add someone else's comment to it.
"""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

COOKIE = "held_comments"
MAX_HELD = 20
MAX_AGE = 30 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="blog.held-comments")


def held_pairs() -> list[tuple[int, int]]:
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 2000:
        return []
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return []
    pairs = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(n, int) for n in item):
            pairs.append((item[0], item[1]))
    return pairs[-MAX_HELD:]


def held_ids_for(post_id: int) -> list[int]:
    return [comment_id for post, comment_id in held_pairs() if post == post_id]


def remember_held(response: Response, post_id: int, comment_id: int) -> Response:
    pairs = [list(pair) for pair in held_pairs() if pair[1] != comment_id]
    pairs.append([post_id, comment_id])
    response.set_cookie(
        COOKIE,
        _serializer().dumps(pairs[-MAX_HELD:]),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/blog/",
    )
    return response
