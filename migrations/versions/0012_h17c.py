"""mailing holds (a paused campaign's rows are never sent); readiness checks (a write per check)

Revision ID: 0012_h17c
Revises: 0011
Create Date: 2026-12-07 08:10:00

"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '0012_h17c'
down_revision = '0012_h20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailing_holds',
    sa.Column('mailing', sa.String(length=40), nullable=False),
    sa.Column('held_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('mailing', name=op.f('pk_mailing_holds'))
    )
    op.create_table('readiness_checks',
    sa.Column('host', sa.String(length=64), nullable=False),
    sa.Column('checked_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('host', name=op.f('pk_readiness_checks'))
    )
    # Campaigns paused before this revision keep their rows held.
    op.execute(
        "INSERT INTO mailing_holds (mailing, held_at) "
        "SELECT 'campaign:' || id, CURRENT_TIMESTAMP FROM newsletter_campaigns WHERE status = 'paused'"
    )


def downgrade():
    op.drop_table('readiness_checks')
    op.drop_table('mailing_holds')
