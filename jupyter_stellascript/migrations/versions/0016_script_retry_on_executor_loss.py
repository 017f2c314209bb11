"""a script's runs may be queued again once when their executor dies (scripts.retry_on_executor_loss)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 19:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scripts') as batch:
        batch.add_column(sa.Column('retry_on_executor_loss', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('scripts') as batch:
        batch.drop_column('retry_on_executor_loss')
