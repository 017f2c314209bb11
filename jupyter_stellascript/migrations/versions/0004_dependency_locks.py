"""dependency locks: saved with a script version; executions name the lock's hash

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('script_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dependency_lock', sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dependency_lock_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_column('dependency_lock_sha256')
    with op.batch_alter_table('script_versions', schema=None) as batch_op:
        batch_op.drop_column('dependency_lock')
