"""script parameters: each version keeps the record's declarations and the effective (merged) ones

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Versions written before parameters existed declare none: they run exactly as before.
    with op.batch_alter_table('script_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_parameters', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('parameters', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('script_versions', schema=None) as batch_op:
        batch_op.drop_column('parameters')
        batch_op.drop_column('declared_parameters')
