"""notification deliveries a stopped server left pending are resumed (rule, lease_until)

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02 11:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification_deliveries') as batch:
        # The rule as configured (secret references, never their values), so another server can finish it.
        batch.add_column(sa.Column('rule', sa.JSON(none_as_null=True), nullable=True))
        # Until when the server sending it holds it: a pending delivery past this is taken over.
        batch.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch.create_index('ix_notification_deliveries_pending', ['status', 'lease_until'])


def downgrade() -> None:
    with op.batch_alter_table('notification_deliveries') as batch:
        batch.drop_index('ix_notification_deliveries_pending')
        batch.drop_column('lease_until')
        batch.drop_column('rule')
