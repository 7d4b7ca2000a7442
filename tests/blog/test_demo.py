"""The demo blog: six articles by the demo therapist and a discussion of 200+ comments."""

from __future__ import annotations

import sqlalchemy as sa

from portal.demo import seed_all
from portal.extensions import db
from portal.models import Comment, CommentStatus, Post, User


def test_demo_articles_and_discussion_are_seeded_once(app, client, count_queries):
    with app.app_context():
        seed_all()
        seed_all()  # idempotent
        therapist = db.session.scalar(sa.select(User).where(User.email == "therapist@example.com"))
        posts = db.session.scalars(sa.select(Post)).all()
        assert len(posts) == 6 and {p.author_id for p in posts} == {therapist.id}
        assert all(len(p.body_source) > 1500 for p in posts)
        counts = dict(
            db.session.execute(
                sa.select(Comment.post_id, sa.func.count()).group_by(Comment.post_id)
            ).all()
        )
        popular = db.session.scalar(
            sa.select(Post).where(Post.slug == "the-session-before-race-day")
        )
        assert list(counts) == [popular.id] and counts[popular.id] >= 200
        replies = db.session.scalar(
            sa.select(sa.func.count()).select_from(Comment).where(Comment.parent_id.is_not(None))
        )
        by_therapist = db.session.scalar(
            sa.select(sa.func.count()).select_from(Comment).where(Comment.author_id == therapist.id)
        )
        assert replies > 60 and by_therapist > 20
        held = db.session.scalars(
            sa.select(Comment.guest_name).where(Comment.status == CommentStatus.PENDING)
        ).all()
        assert sorted(held) == ["Noor", "Recovery Gear Deals"]  # the queue has work to show
    with count_queries() as log:
        page = client.get("/blog/the-session-before-race-day")
    assert page.status_code == 200 and log.count <= 8
    text = page.get_data(as_text=True)
    assert "Theo Marsh" in text and "comments</h2>" in text
    assert "Recovery Gear Deals" not in text and "Noor" not in text  # held: not public
    # The demo client's recommendation links the self-massage article by its title.
    assert client.get("/blog/self-massage-for-calves").status_code == 200
