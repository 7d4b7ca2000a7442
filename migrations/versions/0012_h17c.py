"""paused mailings (a paused campaign's rows are never sent); readiness checks (a write per check)

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
    op.create_table('paused_mailings',
    sa.Column('mailing', sa.String(length=40), nullable=False),
    sa.Column('paused_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('mailing', name=op.f('pk_paused_mailings'))
    )
    op.create_table('readiness_checks',
    sa.Column('host', sa.String(length=64), nullable=False),
    sa.Column('checked_at', portal.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('host', name=op.f('pk_readiness_checks'))
    )
    # Campaigns paused before this revision keep their rows paused.
    op.execute(
        "INSERT INTO paused_mailings (mailing, paused_at) "
        "SELECT 'campaign:' || id, CURRENT_TIMESTAMP FROM newsletter_campaigns WHERE status = 'paused'"
    )


STATUSES = ("pending", "sending", "sent", "failed", "suppressed")


def _replace_status_check(statuses):
    """The outbox's status check with these statuses. SQLite cannot alter a constraint:
    batch mode copies the table, and the partial claim index is made again by hand."""
    allowed = ", ".join(f"'{status}'" for status in statuses)
    with op.batch_alter_table('outbox', schema=None, recreate='auto') as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_status_known'), f"status IN ({allowed})")
    op.execute("DROP INDEX IF EXISTS ix_outbox_due")
    op.create_index(
        'ix_outbox_due',
        'outbox',
        ['priority', 'next_attempt_at'],
        unique=False,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade():
    _replace_status_check(STATUSES + ("held", "paused"))
    op.execute("UPDATE outbox SET status = 'held' WHERE status = 'paused'")
    _replace_status_check(STATUSES + ("held",))
    op.drop_table('readiness_checks')
    op.drop_table('paused_mailings')
