"""pages: the site's standalone pages (About, Services and prices, Visit us, Privacy);
the practice's logo, brand colour, locale and time zone

Revision ID: 0012_h19a
Revises: 0011
Create Date: 2026-12-07 07:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '0012_h19a'
down_revision = '0012_h21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_format', sa.String(length=16), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('menu_order', sa.Integer(), nullable=False),
    sa.Column('show_in_menu', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', portal.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source_site', sa.String(length=500), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("body_format IN ('markdown', 'html')", name=op.f('ck_pages_format_known')),
    sa.CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name=op.f('ck_pages_public_has_time')),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_pages_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pages')),
    sa.UniqueConstraint('slug', name=op.f('uq_pages_slug')),
    sa.UniqueConstraint('source_site', 'source_id', name=op.f('uq_pages_source_site_source_id'))
    )
    with op.batch_alter_table('practice_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo_filename', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('brand_colour', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table('practice_settings', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('locale')
        batch_op.drop_column('brand_colour')
        batch_op.drop_column('logo_filename')
    op.drop_table('pages')
