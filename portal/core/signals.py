"""Signals between features, so that no feature imports another's internals.

``article_published`` is sent by the blog when an article becomes public (at once, or when a
scheduled article's time comes) with ``article=`` an ``ArticleNotice``. The newsletter listens
and emails the article to its "new articles" subscribers when ``notice.send_by_email`` is set.
Receivers run inside the publishing transaction: whatever they queue commits with it.

``complaint_received`` is sent by the mail pipeline (the bounce mailbox) for a recipient's
complaint; the newsletter unsubscribes the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace

_signals = Namespace()

article_published = _signals.signal("article-published")

# Sent by the mail pipeline when a recipient complains of a message (a feedback report,
# RFC 5965), with ``address=`` the normalised address, inside the transaction that records
# the complaint. The newsletter listens and takes the address off every topic at once.
complaint_received = _signals.signal("complaint-received")


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
