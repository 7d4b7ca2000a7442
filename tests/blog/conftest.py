"""Blog fixtures: articles and comments straight into the database, and the comment form's
fields as a browser would send them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.core.rendering import render_article_markdown, render_comment_markdown
from portal.extensions import db
from portal.models import Comment, CommentStatus, Post, PostStatus
from portal.models.types import utcnow


@dataclass
class Blog:
    app: Flask

    def post(
        self,
        title: str = "Calves and the long run",
        *,
        slug: str | None = None,
        status: PostStatus = PostStatus.PUBLISHED,
        publish_at: datetime | None = None,
        body: str = "Tight calves after the **long run** are normal.",
        summary: str = "What your calves tell you.",
        author_id: int | None = None,
    ) -> int:
        with self.app.app_context():
            post = Post(
                title=title,
                slug=slug or title.lower().replace(" ", "-"),
                summary=summary,
                body_source=body,
                body_html=render_article_markdown(body),
                status=status.value,
                publish_at=publish_at
                if publish_at is not None or status == PostStatus.DRAFT
                else utcnow() - timedelta(days=1),
                author_id=author_id,
            )
            db.session.add(post)
            db.session.commit()
            return post.id

    def comment(
        self,
        post_id: int,
        body: str = "Thanks, this helped.",
        *,
        status: CommentStatus = CommentStatus.APPROVED,
        name: str | None = "Gina Guest",
        email: str | None = "gina@example.com",
        author_id: int | None = None,
        parent_id: int | None = None,
        minutes_ago: int = 60,
    ) -> int:
        with self.app.app_context():
            comment = Comment(
                post_id=post_id,
                body_source=body,
                body_html=render_comment_markdown(body),
                status=status.value,
                guest_name=None if author_id else name,
                email=email,
                author_id=author_id,
                parent_id=parent_id,
                created_at=utcnow() - timedelta(minutes=minutes_ago),
            )
            db.session.add(comment)
            db.session.commit()
            return comment.id

    def many_comments(self, post_id: int, count: int) -> None:
        """``count`` approved comments in threads (a reply to every third), one commit."""
        with self.app.app_context():
            ids: list[int] = []
            for n in range(count):
                comment = Comment(
                    post_id=post_id,
                    body_source=f"Comment number {n}",
                    body_html=f"<p>Comment number {n}</p>",
                    status=CommentStatus.APPROVED.value,
                    guest_name=f"Reader {n}",
                    email=f"reader{n}@example.com",
                    parent_id=ids[n - 1] if n % 3 and ids else None,
                    created_at=utcnow() - timedelta(minutes=count - n),
                )
                db.session.add(comment)
                db.session.flush()
                ids.append(comment.id)
            db.session.commit()

    def trust(self, client: FlaskClient, *comment_ids: object) -> FlaskClient:
        """Give ``client`` the returning-commenter cookie of the browser that wrote guest
        comments ``comment_ids``: once one is approved, the browser is trusted."""
        from itsdangerous import URLSafeSerializer

        signer = URLSafeSerializer(self.app.config["SECRET_KEY"], salt="blog.returning-commenter")
        client.set_cookie("commenter", signer.dumps(list(comment_ids)), path="/blog/")
        return client

    def returning_guest(self, post_id: int, email: str = "gina@example.com") -> FlaskClient:
        """A browser that wrote an approved guest comment as ``email``."""
        return self.trust(self.app.test_client(), self.comment(post_id, "Earlier", email=email))

    def get_comment(self, comment_id: int) -> Comment:
        with self.app.app_context():
            comment = db.session.get(Comment, comment_id)
            db.session.expunge(comment)
            return comment

    def comments(self, post_id: int) -> list[Comment]:
        with self.app.app_context():
            found = db.session.scalars(
                sa.select(Comment).where(Comment.post_id == post_id).order_by(Comment.id)
            ).all()
            db.session.expunge_all()
            return list(found)


@pytest.fixture
def blog(app: Flask) -> Blog:
    return Blog(app)


def guest(app: Flask, body: str = "Lovely article, thank you.", **extra: str) -> dict[str, str]:
    """The guest comment form as a person sends it."""
    return {
        "name": "Gina Guest",
        "email": "gina@example.com",
        "body": body,
        **extra,
    }


def member(app: Flask, body: str = "Good points.", **extra: str) -> dict[str, str]:
    return {"body": body, **extra}
