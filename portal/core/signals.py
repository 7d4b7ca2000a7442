"""Signals between features, so that no feature imports another's internals.

``article_published`` is sent by the blog when an article becomes public (at once, or when a
scheduled article's time comes) with ``article=`` an ``ArticleNotice``. The newsletter listens
and emails the article to its "new articles" subscribers when ``notice.send_by_email`` is set.
Receivers run inside the publishing transaction: whatever they queue commits with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace

_signals = Namespace()

article_published = _signals.signal("article-published")


@dataclass(frozen=True)
class ArticleNotice:
    """What other features may know of a newly public article (plain values, no ORM object)."""

    id: int
    slug: str
    title: str
    summary: str
    html: str  # the sanitised article body
    url: str  # absolute, built with ``portal.web.urls.external_url``
    published_at: datetime
    send_by_email: bool
