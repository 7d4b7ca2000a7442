"""New articles by email: the blog's signal, sent here as the blog would send it."""

from __future__ import annotations

import sqlalchemy as sa

from portal.core.signals import ArticleNotice, article_published
from portal.extensions import db
from portal.models import ArticleMailing, OutboxMessage, SubscriberStatus
from portal.models.types import utcnow
from tests.fixtures.mail import deliver, rows


def notice(number: int = 7, *, send_by_email: bool = True) -> ArticleNotice:
    return ArticleNotice(
        id=number,
        slug="calf-routine",
        title="A calf routine for marathon training",
        summary="Ten minutes after each run keeps the lower leg ready for the mileage.",
        html="<p>Start with <strong>heel drops</strong>.</p><h2>Rolling</h2><p>Slowly.</p>",
        url="http://127.0.0.1:5000/blog/calf-routine",
        published_at=utcnow(),
        send_by_email=send_by_email,
    )


def publish(app, article: ArticleNotice) -> None:  # type: ignore[no-untyped-def]
    """What the blog does: send the signal inside its publishing transaction, then commit."""
    with app.app_context():
        article_published.send(app, article=article)
        db.session.commit()


def test_a_published_article_goes_to_new_article_subscribers_once(app, newsletter):
    newsletter.subscriber("reader@example.com", topics=("articles",))
    newsletter.subscriber("news-only@example.com", topics=("news",))
    newsletter.subscriber(
        "pending@example.com", topics=("articles",), status=SubscriberStatus.PENDING
    )
    publish(app, notice())
    publish(app, notice())  # published again (an edit): nothing new
    (row,) = rows(app)
    assert row.to_address == "reader@example.com"
    assert row.idempotency_key == "article:7:subscriber:1"
    assert row.subject == "New article: A calf routine for marathon training"
    with app.app_context():
        assert db.session.get(ArticleMailing, 7).recipients == 1


def test_nothing_is_sent_unless_staff_ticked_send_by_email(app, newsletter):
    newsletter.subscriber("reader@example.com", topics=("articles",))
    publish(app, notice(send_by_email=False))
    assert rows(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ArticleMailing)) == 0


def test_a_rolled_back_publication_sends_nothing(app, newsletter):
    newsletter.subscriber("reader@example.com", topics=("articles",))
    with app.app_context():
        article_published.send(app, article=notice())
        db.session.rollback()
    assert rows(app) == []


def test_the_article_email_has_the_campaign_headers_and_footer(smtp_app, smtp_server):
    from tests.fixtures.newsletter import Newsletter

    newsletter = Newsletter(smtp_app)
    reader = newsletter.subscriber("reader@example.com", topics=("articles",), name="Rosa")
    publish(smtp_app, notice())
    deliver(smtp_app)
    (received,) = smtp_server.messages
    message = received.message
    token = newsletter.token(reader)
    assert message["List-Unsubscribe"] == f"<http://127.0.0.1:5000/newsletter/unsubscribe/{token}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"]
    html = message.get_body(("html",)).get_content()
    assert "<strong>heel drops</strong>" in html and 'style="font-size: 20px;' in html
    text = message.get_body(("plain",)).get_content()
    assert "Read it on our blog: http://127.0.0.1:5000/blog/calf-routine" in text
    for part in (html, text):
        assert f"/newsletter/preferences/{token}" in part and "12 Tempo Lane" in part


def test_a_suppressed_or_paused_reader_gets_no_article(app, newsletter):
    from datetime import date, timedelta

    from portal.models import BouncedAddress

    newsletter.subscriber("bounced@example.com", topics=("articles",))
    newsletter.subscriber(
        "paused@example.com", topics=("articles",), paused_until=date.today() + timedelta(days=2)
    )
    with app.app_context():
        db.session.add(BouncedAddress(address="bounced@example.com", hard_failures=5))
        db.session.commit()
    publish(app, notice())
    assert rows(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
