"""accounts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 19:40:39.951362

"""

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
