"""practice settings, and one vocabulary of audit actions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 12:21:26.350982

Adds ``practice_settings`` (one row, saved by an admin in the back office) and renames the
early spellings of audit actions in existing rows to the codes of ``portal.audit.AuditAction``.
The mapping is written out here, not imported: a migration must keep meaning what it meant
when it was written.
"""
from alembic import op
import sqlalchemy as sa

import portal.models.types


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Old spelling → code. The staff-account ones are what the application wrote before this
# revision; "view client" appeared in hand-made and test entries.
RENAMED_ACTIONS = {
    'invite staff': 'staff.invite',
    'enable staff account': 'staff.enable',
    'disable staff account': 'staff.disable',
    'view client': 'client.view',
}
# What the code before this revision writes, for the downgrade ("client.view" was already
# the code it used for opening a record, so "view client" is not restored).
RESTORED_ACTIONS = {
    'staff.invite': 'invite staff',
    'staff.enable': 'enable staff account',
    'staff.disable': 'disable staff account',
}

audit_entries = sa.table('audit_entries', sa.column('action', sa.String(64)))


def _rename_actions(mapping):
    for old, new in mapping.items():
        op.execute(
            audit_entries.update()
            .where(audit_entries.c.action == op.inline_literal(old))
            .values(action=op.inline_literal(new))
        )


def upgrade():
    op.create_table('practice_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('opening_hours', sa.String(length=200), nullable=True),
    sa.Column('booking_url', sa.String(length=500), nullable=True),
    sa.Column('booking_email', sa.String(length=254), nullable=True),
    sa.Column('sender_email', sa.String(length=254), nullable=False),
    sa.Column('updated_at', portal.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_practice_settings_single_row')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_practice_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_settings'))
    )
    _rename_actions(RENAMED_ACTIONS)


def downgrade():
    _rename_actions(RESTORED_ACTIONS)
    op.drop_table('practice_settings')
