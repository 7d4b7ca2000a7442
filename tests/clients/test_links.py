"""Further-reading links: any web address now, a blog article once the blog exists."""

from __future__ import annotations

import pytest

from portal.clients.links import further_reading, is_web_url
from portal.models import Recommendation


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/a", True),
        ("HTTP://example.org", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("//example.org/a", False),
        ("/blog/x", False),
        ("https://", False),
        ("mailto:a@example.org", False),
        # urlsplit drops tab, CR and LF: these used to pass, and broke the calendar feed.
        ("https://example.org/a\r\nb", False),
        ("https://exam\tple.org/", False),
        ("https://example.org/a b", False),
        ("https://example.org/\x00", False),
        ("https://example.org/\u2028", False),
    ],
)
def test_only_absolute_web_addresses_are_links(url, ok):
    assert is_web_url(url) is ok


def test_a_broken_stored_link_is_not_offered(app):
    rec = Recommendation(link_url="https://example.org/a\r\nb")
    with app.test_request_context():
        assert further_reading(rec) is None


def test_an_article_slug_waits_for_the_blog(app):
    rec = Recommendation(article_slug="calf-care", link_url="https://example.org/fallback")
    with app.test_request_context():
        assert further_reading(rec) == "https://example.org/fallback"
    rec = Recommendation(article_slug="calf-care")
    with app.test_request_context():
        assert further_reading(rec) is None


def test_an_article_slug_points_at_the_article_once_it_is_published(app):
    from portal.extensions import db
    from portal.models import Post, PostStatus
    from portal.models.types import utcnow

    rec = Recommendation(article_slug="calf-care", link_url="https://example.org/fallback")
    with app.app_context():
        db.session.add(Post(slug="calf-care", title="Calf care", status=PostStatus.DRAFT.value))
        db.session.commit()
    with app.test_request_context():
        assert further_reading(rec) == "https://example.org/fallback"  # a draft: not yet
    with app.app_context():
        post = db.session.scalar(db.select(Post))
        post.status, post.publish_at = PostStatus.PUBLISHED.value, utcnow()
        db.session.commit()
    with app.test_request_context():
        assert further_reading(rec) == "/blog/calf-care"
        assert further_reading(Recommendation(link_url="https://example.org/x")) == (
            "https://example.org/x"
        )
