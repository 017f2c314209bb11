"""server instances with heartbeats, so recovery closes only dead servers' executions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'server_instances',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('server_instances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_server_instances_heartbeat_at'), ['heartbeat_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('server_instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_server_instances_heartbeat_at'))
    op.drop_table('server_instances')
