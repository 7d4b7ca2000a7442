"""New articles by email: the blog's ``article_published`` signal, answered here.

The blog sends ``portal.core.signals.article_published`` with an ``ArticleNotice`` inside its
publishing transaction. When staff ticked "also send by email" (``send_by_email``), the
article is recorded (``ArticleMailing``: once per article, whatever happens later) and queued
for confirmed, unsuppressed, unpaused subscribers of the "new articles" topic with the same
set-based ``INSERT … SELECT`` as campaigns (key ``article:ID:subscriber:ID``), the same
headers and the same footer. Everything commits with the publication.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.core.clock import local_today
from portal.core.database import is_sqlite, rowcount
from portal.core.signals import ArticleNotice, article_published
from portal.extensions import db
from portal.models import ArticleMailing, Subscriber
from portal.models.types import table_of, utcnow
from portal.newsletter import audience
from portal.newsletter.headers import list_headers
from portal.newsletter.personalise import NAME

TEMPLATE = "newsletter_article"


def mail_article(notice: ArticleNotice) -> int:
    """Queue ``notice``'s article for its subscribers once; returns how many were queued."""
    insert = (sqlite.insert if is_sqlite() else postgresql.insert)(table_of(ArticleMailing))
    recorded = rowcount(
        db.session.execute(
            insert.values(
                article_id=notice.id,
                title=notice.title[:250],
                summary=notice.summary,
                html=notice.html,
                url=notice.url[:500],
                published_at=notice.published_at,
                queued_at=utcnow(),
                recipients=0,
            ).on_conflict_do_nothing(),
            execution_options={"preserve_rowcount": True},
        )
    )
    if not recorded:
        return 0  # mailed before (published again after an edit, or a repeated signal)
    source = sa.select(Subscriber.id).where(
        *audience.reachable(local_today()), Subscriber.topic_articles.is_(True)
    )
    queued = audience.queue_rows(
        source=source,
        idempotency_key=sa.literal(f"article:{notice.id}:subscriber:")
        + sa.cast(Subscriber.id, sa.String),
        to_address=Subscriber.email,
        to_name=Subscriber.name,
        subject=f"New article: {notice.title}"[:250],
        template=TEMPLATE,
        context=audience.json_pairs(
            {
                "personalise": NAME,
                "kind": "article",
                "s": Subscriber.id,
                "k": Subscriber.token_secret,
                "a": notice.id,
                "name": Subscriber.name,
            }
        ),
        headers=list_headers(),
        message_id=audience.message_id(f"article{notice.id}", Subscriber.id),
        mailing=f"article:{notice.id}",
    )
    db.session.execute(
        sa.update(ArticleMailing)
        .where(ArticleMailing.article_id == notice.id)
        .values(recipients=queued)
        .execution_options(synchronize_session=False)
    )
    return queued


@article_published.connect
def _on_article_published(sender: Any, article: ArticleNotice, **extra: Any) -> None:
    if article.send_by_email:
        mail_article(article)
