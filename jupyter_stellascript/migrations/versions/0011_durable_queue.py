"""durable execution queue, workers and live log chunks

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('executions') as batch:
        batch.add_column(sa.Column('priority', sa.String(length=10), nullable=False, server_default='normal'))
        batch.add_column(sa.Column('tags', sa.JSON(), nullable=False, server_default='{}'))
        batch.add_column(sa.Column('worker_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('attempts', sa.JSON(), nullable=False, server_default='[]'))
    op.create_table(
        'execution_queue',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('execution_id', sa.String(length=36), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('priority_rank', sa.Integer(), nullable=False),
        sa.Column('request', sa.JSON(), nullable=False),
        sa.Column('sealed_secrets', sa.Text(), nullable=True),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('retry_on_executor_loss', sa.Boolean(), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False),
        sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('placement_deadline', sa.DateTime(timezone=True), nullable=True),
        sa.Column('worker_id', sa.String(length=64), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['execution_id'], ['executions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('execution_id'),
    )
    op.create_index('ix_execution_queue_claim', 'execution_queue', ['state', 'priority_rank', 'id'])
    op.create_index('ix_execution_queue_worker', 'execution_queue', ['worker_id', 'state'])
    op.create_table(
        'execution_queue_tags',
        sa.Column('execution_id', sa.String(length=36), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['execution_id'], ['executions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('execution_id', 'key'),
    )
    op.create_table(
        'queue_workers',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('schema_version', sa.String(length=40), nullable=False),
        sa.Column('claiming', sa.Boolean(), nullable=False),
        sa.Column('engine', sa.String(length=300), nullable=False),
        sa.Column('concurrency', sa.Integer(), nullable=False),
        sa.Column('running', sa.Integer(), nullable=False),
        sa.Column('metrics', sa.JSON(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_queue_workers_heartbeat_at', 'queue_workers', ['heartbeat_at'])
    op.create_table(
        'execution_log_chunks',
        sa.Column('execution_id', sa.String(length=36), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('stream', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['execution_id'], ['executions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('execution_id', 'seq'),
    )
    op.create_index('ix_execution_log_chunks_created_at', 'execution_log_chunks', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_execution_log_chunks_created_at', table_name='execution_log_chunks')
    op.drop_table('execution_log_chunks')
    op.drop_index('ix_queue_workers_heartbeat_at', table_name='queue_workers')
    op.drop_table('queue_workers')
    op.drop_table('execution_queue_tags')
    op.drop_index('ix_execution_queue_worker', table_name='execution_queue')
    op.drop_index('ix_execution_queue_claim', table_name='execution_queue')
    op.drop_table('execution_queue')
    with op.batch_alter_table('executions') as batch:
        batch.drop_column('attempts')
        batch.drop_column('worker_id')
        batch.drop_column('tags')
        batch.drop_column('priority')
