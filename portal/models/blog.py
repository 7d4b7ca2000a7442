"""The blog: articles, tags, comments, reply subscriptions, images, moderation words.

Rendered HTML is stored beside each source (Markdown, or HTML for articles imported from
WordPress), sanitized once when saved, so reading a page never runs the Markdown renderer.

``Post.version`` is bumped by every change that alters what the article page shows (an
edit, a comment approved, edited, deleted or moderated, its author or a commenter renamed,
a commenter's role changed, the practice's details saved: ``portal.blog.cache``). Rendered pages
and comment threads are cached under ``(post id, version)``: any web process that reads the
row sees the new version and renders afresh, so the cache needs no cross-process messages.

Full-text search on SQLite is an FTS5 table kept in step with ``posts`` by triggers. It is
created here (``after_create``, for ``db.create_all``) and by migration 0007, with the same
statements; Alembic is told to leave its tables alone (``metadata.info``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model, db
from portal.models.types import UTCDateTime, utcnow
from portal.models.users import User


class PostStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


class BodyFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"  # imported from WordPress; sanitized like everything else


class CommentStatus(StrEnum):
    PENDING = "pending"  # held for moderation
    APPROVED = "approved"
    SPAM = "spam"
    TRASH = "trash"
    DELETED = "deleted"  # removed by its author; kept as a placeholder if it has replies


post_tags = sa.Table(
    "post_tags",
    db.metadata,
    sa.Column("post_id", sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Model):
    __tablename__ = "tags"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(60))
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"


class Post(Model):
    """An article. Public when published, or scheduled with ``publish_at`` in the past.

    ``announced_at`` records that ``article_published`` was sent (once per article, ever).
    """

    __tablename__ = "posts"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'scheduled', 'published')", name="status_known"),
        sa.CheckConstraint("body_format IN ('markdown', 'html')", name="format_known"),
        sa.CheckConstraint("status = 'draft' OR publish_at IS NOT NULL", name="public_has_time"),
        sa.Index("ix_posts_status_publish_at", "status", "publish_at"),
        sa.UniqueConstraint("source_site", "wp_post_id", name="uq_posts_source_wp_post_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    body_source: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    body_format: so.Mapped[str] = so.mapped_column(sa.String(16), default=BodyFormat.MARKDOWN.value)
    body_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    author_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=PostStatus.DRAFT.value)
    publish_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    send_by_email: so.Mapped[bool] = so.mapped_column(default=False)
    announced_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    version: so.Mapped[int] = so.mapped_column(default=1)
    # Imported from WordPress: the source site (its address without the scheme) and the
    # post's id there. Ids are only unique within one site, so both identify the post.
    source_site: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")
    wp_post_id: so.Mapped[int | None]
    # "password" or "private": how WordPress hid it (imported as a draft, never public).
    source_visibility: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    author: so.Mapped[User | None] = so.relationship(lazy="raise_on_sql")
    tags: so.Mapped[list[Tag]] = so.relationship(
        secondary=post_tags, lazy="raise_on_sql", order_by=Tag.name
    )

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.slug} {self.status}>"

    def is_public(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (
            self.status != PostStatus.DRAFT
            and self.publish_at is not None
            and (self.publish_at <= now)
        )

    @property
    def was_ever_public(self) -> bool:
        return self.announced_at is not None


def public_posts_filter(now: datetime) -> sa.ColumnElement[bool]:
    """Published, or scheduled and due: a scheduled article appears at its time by itself."""
    return sa.and_(
        Post.status.in_([PostStatus.PUBLISHED.value, PostStatus.SCHEDULED.value]),
        Post.publish_at <= now,
    )


class LegacyRedirect(Model):
    """An old address of an imported site that now lives here: an article, page, picture or
    tag (WordPress's ``/tag/…`` and ``/category/…`` archives).

    ``path`` is the old address's path in the form ``legacy.path_key`` gives (decoded,
    NFC, lower case, no trailing slash), or ``/?p=ID`` for WordPress's plain links.
    ``source_site`` is the site it belonged to: two imported sites may both have had
    ``/about`` or ``/?p=5``.
    """

    __tablename__ = "legacy_redirects"
    __table_args__ = (
        sa.UniqueConstraint("source_site", "path", name="uq_legacy_redirects_source_path"),
        sa.CheckConstraint(
            "post_id IS NOT NULL OR image_id IS NOT NULL OR page_id IS NOT NULL"
            " OR tag_id IS NOT NULL",
            name="has_target",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    source_site: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")
    path: so.Mapped[str] = so.mapped_column(sa.String(400), index=True)
    post_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    image_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("blog_images.id", ondelete="CASCADE"), index=True
    )
    page_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("pages.id", ondelete="CASCADE"), index=True
    )
    tag_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("tags.id", ondelete="CASCADE"), index=True
    )


class Comment(Model):
    """A comment by a member (``author_id``) or a guest (``guest_name`` + ``email``).

    ``email`` is the address the moderation rule and reply notifications use; it is never
    shown publicly. ``parent_id`` points at the comment replied to; pages show two levels of
    replies and attach deeper ones to the deepest shown level.
    """

    __tablename__ = "comments"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'spam', 'trash', 'deleted')", name="status_known"
        ),
        sa.Index("ix_comments_post_status", "post_id", "status", "created_at"),
        sa.Index("ix_comments_email_status", "email", "status"),
        sa.Index("ix_comments_status_created", "status", "created_at"),
        sa.Index("ix_comments_ip_created", "ip_address", "created_at"),
        sa.UniqueConstraint(
            "source_site", "wp_comment_id", name="uq_comments_source_wp_comment_id"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    post_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    parent_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    author_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    guest_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    body_source: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    body_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=CommentStatus.PENDING.value)
    ip_address: so.Mapped[str | None] = so.mapped_column(sa.String(45))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    edited_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    moderated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    staff_notified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    source_site: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")
    wp_comment_id: so.Mapped[int | None]

    author: so.Mapped[User | None] = so.relationship(lazy="raise_on_sql")
    post: so.Mapped[Post] = so.relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Comment {self.id} post={self.post_id} {self.status}>"


class CommentSubscription(Model):
    """Someone asked to hear about replies to one comment (theirs), by email.

    A guest's address is confirmed once (``confirmed_at``), for all its subscriptions; a
    member's account address is confirmed already. ``confirm_sent_at`` marks the one
    subscription whose request queued a confirmation email. ``stopped_at`` is set by the
    one-click stop link of any notification.
    """

    __tablename__ = "comment_subscriptions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    comment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), unique=True
    )
    email: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    confirm_sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    stopped_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    comment: so.Mapped[Comment] = so.relationship(lazy="raise_on_sql")

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.stopped_at is None


class BlockedWord(Model):
    """A word or phrase that holds a comment for moderation (staff edit the list)."""

    __tablename__ = "blocked_words"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    word: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class BlogImage(Model):
    """An uploaded picture, re-encoded without metadata, stored under a content-hash name."""

    __tablename__ = "blog_images"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    alt_text: so.Mapped[str] = so.mapped_column(sa.String(300))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(32))
    width: so.Mapped[int]
    height: so.Mapped[int]
    size_bytes: so.Mapped[int]
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


# --- full-text search on SQLite ---------------------------------------------------------

# The FTS5 index reads its text from ``posts`` (external content) and is kept in step by
# triggers, so every way of writing a post (ORM, bulk insert, import) updates it.
SQLITE_SEARCH_DDL = [
    "CREATE VIRTUAL TABLE post_search USING fts5("
    "title, summary, body_source, content='posts', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN "
    "INSERT INTO post_search(rowid, title, summary, body_source) "
    "VALUES (new.id, new.title, new.summary, new.body_source); END",
    "CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN "
    "INSERT INTO post_search(post_search, rowid, title, summary, body_source) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body_source); END",
    "CREATE TRIGGER posts_search_update AFTER UPDATE OF title, summary, body_source ON posts "
    "BEGIN "
    "INSERT INTO post_search(post_search, rowid, title, summary, body_source) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body_source); "
    "INSERT INTO post_search(rowid, title, summary, body_source) "
    "VALUES (new.id, new.title, new.summary, new.body_source); END",
]
SQLITE_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS posts_search_update",
    "DROP TRIGGER IF EXISTS posts_search_delete",
    "DROP TRIGGER IF EXISTS posts_search_insert",
    "DROP TABLE IF EXISTS post_search",
]
# FTS5 keeps its index in shadow tables named after it; Alembic must not try to drop them.
db.metadata.info.setdefault("unmanaged_table_prefixes", set()).add("post_search")

for _statement in SQLITE_SEARCH_DDL:
    sa.event.listen(Post.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite"))
for _statement in SQLITE_SEARCH_DROP:
    sa.event.listen(Post.__table__, "before_drop", sa.DDL(_statement).execute_if(dialect="sqlite"))
