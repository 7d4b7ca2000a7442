"""blog: posts, tags, comments, subscriptions, images, moderation words; the member role

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 12:19:25.062033

Also:
- ``users.role`` may be ``member``; self-registered accounts that are clients in name only
  become members: they have a password (so they were not merely invited and never came), no
  massage session, no recommendation, and no invitation token ever issued to them.
- SQLite: the FTS5 index ``post_search`` and its triggers (the same statements as
  ``portal.models.blog.SQLITE_SEARCH_DDL``, copied so this revision never changes).
"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


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

ROLES_BEFORE = "role IN ('client', 'staff', 'admin')"
ROLES_AFTER = "role IN ('member', 'client', 'staff', 'admin')"

SELF_REGISTERED_CLIENTS = """
UPDATE users SET role = 'member'
WHERE role = 'client'
  AND password_hash IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM massage_sessions s WHERE s.client_id = users.id)
  AND NOT EXISTS (SELECT 1 FROM recommendations r WHERE r.client_id = users.id)
  AND NOT EXISTS (
      SELECT 1 FROM account_tokens t WHERE t.user_id = users.id AND t.purpose = 'invite'
  )
"""


def _replace_role_check(old: str, new: str) -> None:
    """SQLite cannot alter a CHECK constraint: batch mode copies ``users`` into a new table
    and drops the old one. With foreign keys on, that DROP would run ON DELETE CASCADE and
    take every client's sessions and recommendations with it, so foreign keys are off for
    the copy (a PRAGMA that only works outside a transaction: Alembic's autocommit block)."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute('PRAGMA foreign_keys=OFF')
        foreign_keys = op.get_bind().exec_driver_sql('PRAGMA foreign_keys').scalar()
        assert foreign_keys == 0, 'foreign keys are still on: the copy would cascade'
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', new)
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute('PRAGMA foreign_keys=ON')


def upgrade():
    _replace_role_check(ROLES_BEFORE, ROLES_AFTER)
    op.execute(SELF_REGISTERED_CLIENTS)

    op.create_table('blocked_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=80), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blocked_words')),
    sa.UniqueConstraint('word', name=op.f('uq_blocked_words_word'))
    )
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('slug', name=op.f('uq_tags_slug'))
    )
    op.create_table('blog_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=80), nullable=False),
    sa.Column('alt_text', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_blog_images_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blog_images')),
    sa.UniqueConstraint('filename', name=op.f('uq_blog_images_filename'))
    )
    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_format', sa.String(length=16), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('publish_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('send_by_email', sa.Boolean(), nullable=False),
    sa.Column('announced_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('wp_post_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("body_format IN ('markdown', 'html')", name=op.f('ck_posts_format_known')),
    sa.CheckConstraint("status = 'draft' OR publish_at IS NOT NULL", name=op.f('ck_posts_public_has_time')),
    sa.CheckConstraint("status IN ('draft', 'scheduled', 'published')", name=op.f('ck_posts_status_known')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_posts_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('slug', name=op.f('uq_posts_slug')),
    sa.UniqueConstraint('wp_post_id', name=op.f('uq_posts_wp_post_id'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posts_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_posts_status_publish_at', ['status', 'publish_at'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('guest_name', sa.String(length=120), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('created_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('edited_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('moderated_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('staff_notified_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('wp_comment_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'spam', 'trash', 'deleted')", name=op.f('ck_comments_status_known')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['comments.id'], name=op.f('fk_comments_parent_id_comments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_comments_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sa.UniqueConstraint('wp_comment_id', name=op.f('uq_comments_wp_comment_id'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_comments_email_status', ['email', 'status'], unique=False)
        batch_op.create_index('ix_comments_ip_created', ['ip_address', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_comments_post_status', ['post_id', 'status', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_status_created', ['status', 'created_at'], unique=False)

    op.create_table('legacy_redirects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_legacy_redirects_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legacy_redirects')),
    sa.UniqueConstraint('path', name=op.f('uq_legacy_redirects_path'))
    )
    with op.batch_alter_table('legacy_redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legacy_redirects_post_id'), ['post_id'], unique=False)

    op.create_table('post_tags',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_tags_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_post_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'tag_id', name=op.f('pk_post_tags'))
    )
    with op.batch_alter_table('post_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('comment_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_subscriptions_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_subscriptions')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_comment_subscriptions_comment_id'))
    )
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_SEARCH_DDL:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_SEARCH_DROP:
            op.execute(statement)
    op.drop_table('comment_subscriptions')
    with op.batch_alter_table('post_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_tags_tag_id'))

    op.drop_table('post_tags')
    with op.batch_alter_table('legacy_redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legacy_redirects_post_id'))

    op.drop_table('legacy_redirects')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_status_created')
        batch_op.drop_index('ix_comments_post_status')
        batch_op.drop_index(batch_op.f('ix_comments_parent_id'))
        batch_op.drop_index('ix_comments_ip_created')
        batch_op.drop_index('ix_comments_email_status')
        batch_op.drop_index(batch_op.f('ix_comments_author_id'))

    op.drop_table('comments')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_status_publish_at')
        batch_op.drop_index(batch_op.f('ix_posts_author_id'))

    op.drop_table('posts')
    op.drop_table('blog_images')
    op.drop_table('tags')
    op.drop_table('blocked_words')
    # Members become clients again: the old constraint knows no other reader role.
    op.execute("UPDATE users SET role = 'client' WHERE role = 'member'")
    _replace_role_check(ROLES_AFTER, ROLES_BEFORE)
