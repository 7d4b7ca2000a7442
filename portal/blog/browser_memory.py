"""What a reader's browser remembers of the comments it wrote: a signed cookie holding a short
list, read and written the same way for each use (``held``: its held comments, shown to it
alone; ``returning``: the guest comments it wrote, which recognise a returning guest).

Signed with ``SECRET_KEY`` and a salt of its own per use, so a reader cannot add someone
else's comment to a list, nor move a list from one use to another. Scoped to ``/blog/``,
HttpOnly, ``SameSite=Lax``, Secure when the session cookie is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response


@dataclass(frozen=True)
class BrowserList:
    cookie: str
    salt: str
    max_items: int
    max_age: int
    max_bytes: int = 2000

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    def items(self) -> list[Any]:
        """The list this browser sent (empty when absent, forged or malformed); the caller
        checks the shape of each item."""
        raw = request.cookies.get(self.cookie)
        if not raw or len(raw) > self.max_bytes:
            return []
        try:
            value = self._serializer().loads(raw)
        except BadSignature:
            return []
        return value if isinstance(value, list) else []

    def store(self, response: Response, items: list[Any]) -> Response:
        """Set the cookie to the last ``max_items`` of ``items``."""
        response.set_cookie(
            self.cookie,
            self._serializer().dumps(items[-self.max_items :]),
            max_age=self.max_age,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            path="/blog/",
        )
        return response
