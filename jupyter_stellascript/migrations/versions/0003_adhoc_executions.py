"""ad-hoc executions: an execution may have no script (its content is a blob)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot ALTER a column, so Alembic copies the table.
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.alter_column('script_id', existing_type=sa.String(length=36), nullable=True)
        batch_op.alter_column('script_version', existing_type=sa.String(length=40), nullable=True)


def downgrade() -> None:
    # Ad-hoc records cannot satisfy NOT NULL: they go first.
    op.execute("DELETE FROM executions WHERE script_id IS NULL")
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.alter_column('script_version', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('script_id', existing_type=sa.String(length=36), nullable=False)
