"""The blog's part of "download my data" and of account deletion.

Export: every comment the person wrote (with its status) and their reply subscriptions.
Deletion: comments stay, so conversations still read, but show as by "Deleted user" (the
account's new name); the address and IP stored with each comment are erased and reply
subscriptions end.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.auth.signals import account_deleted, personal_data
from portal.extensions import db
from portal.models import Comment, CommentSubscription, Post, User


@personal_data.connect
def export_comments(user: User) -> tuple[str, dict[str, Any]]:
    rows = db.session.execute(
        sa.select(Comment, Post.slug, Post.title)
        .join(Post, Post.id == Comment.post_id)
        .where(Comment.author_id == user.id)
        .order_by(Comment.id)
    ).all()
    subscriptions = db.session.scalars(
        sa.select(CommentSubscription)
        .join(Comment, Comment.id == CommentSubscription.comment_id)
        .where(Comment.author_id == user.id)
        .order_by(CommentSubscription.id)
    ).all()
    return (
        "blog",
        {
            "comments": [
                {
                    "id": comment.id,
                    "article": title,
                    "article_slug": slug,
                    "in_reply_to": comment.parent_id,
                    "text": comment.body_source,
                    "status": comment.status,
                    "created_at": comment.created_at.isoformat(),
                    "edited_at": comment.edited_at and comment.edited_at.isoformat(),
                }
                for comment, slug, title in rows
            ],
            "reply_notifications": [
                {
                    "comment_id": s.comment_id,
                    "email": s.email,
                    "confirmed_at": s.confirmed_at and s.confirmed_at.isoformat(),
                    "stopped_at": s.stopped_at and s.stopped_at.isoformat(),
                }
                for s in subscriptions
            ],
        },
    )


@account_deleted.connect
def forget_commenter(user: User) -> None:
    own = sa.select(Comment.id).where(Comment.author_id == user.id)
    db.session.execute(
        sa.delete(CommentSubscription).where(CommentSubscription.comment_id.in_(own))
    )
    db.session.execute(
        sa.update(Comment)
        .where(Comment.author_id == user.id)
        .values(email=None, ip_address=None)
        .execution_options(synchronize_session=False)
    )
