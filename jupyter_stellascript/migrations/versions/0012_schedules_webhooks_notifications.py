"""schedules, webhook triggers and notifications; runs record the schedule or webhook that started them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('executions') as batch:
        batch.add_column(sa.Column('trigger_id', sa.String(length=36), nullable=True))
        batch.create_index('ix_executions_trigger_id', ['trigger_id', 'status'])
        # Which of a run's notification events a server has taken (bits: 1 start, 2 end); runs from
        # before notifications existed count as told.
        batch.add_column(sa.Column('notified', sa.SmallInteger(), nullable=False, server_default='3'))
        batch.create_index('ix_executions_notified', ['notified', 'status'])
    with op.batch_alter_table('workflow_runs') as batch:
        batch.add_column(sa.Column('trigger', sa.String(length=20), nullable=False, server_default='api'))
        batch.add_column(sa.Column('trigger_id', sa.String(length=36), nullable=True))
        batch.create_index('ix_workflow_runs_trigger_id', ['trigger_id', 'status'])
    op.create_table(
        'schedules',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('owner_teams', sa.JSON(), nullable=False),
        sa.Column('owner_admin', sa.Boolean(), nullable=False),
        sa.Column('target_kind', sa.String(length=10), nullable=False),
        sa.Column('target_id', sa.String(length=36), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=True),
        sa.Column('cron', sa.String(length=200), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.Column('secrets', sa.JSON(), nullable=False),
        sa.Column('run_options', sa.JSON(), nullable=False, server_default='{}'),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('overlap', sa.String(length=10), nullable=False),
        sa.Column('catch_up', sa.String(length=10), nullable=False),
        sa.Column('notifications', sa.JSON(), nullable=False),
        sa.Column('next_fire_epoch', sa.BigInteger(), nullable=True),
        sa.Column('paused_reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_schedules_owner', 'schedules', ['owner'])
    op.create_index('ix_schedules_target_id', 'schedules', ['target_id'])
    op.create_index('ix_schedules_due', 'schedules', ['enabled', 'next_fire_epoch'])
    op.create_table(
        'schedule_fires',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('schedule_id', sa.String(length=36), nullable=False),
        sa.Column('fire_ms', sa.BigInteger(), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('catch_up', sa.Boolean(), nullable=False),
        sa.Column('manual', sa.Boolean(), nullable=False),
        sa.Column('run_kind', sa.String(length=10), nullable=True),
        sa.Column('run_id', sa.String(length=36), nullable=True),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('server_instance', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('schedule_id', 'fire_ms', name='ux_schedule_fires_occurrence'),
    )
    op.create_index('ix_schedule_fires_schedule', 'schedule_fires', ['schedule_id', 'id'])
    op.create_table(
        'webhooks',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('owner_teams', sa.JSON(), nullable=False),
        sa.Column('owner_admin', sa.Boolean(), nullable=False),
        sa.Column('target_kind', sa.String(length=10), nullable=False),
        sa.Column('target_id', sa.String(length=36), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=True),
        sa.Column('secret_sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_webhooks_owner', 'webhooks', ['owner'])
    op.create_index('ix_webhooks_target_id', 'webhooks', ['target_id'])
    op.create_table(
        'notification_settings',
        sa.Column('source_kind', sa.String(length=10), primary_key=True),
        sa.Column('source_id', sa.String(length=36), primary_key=True),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('owner_teams', sa.JSON(), nullable=False),
        sa.Column('rules', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'notification_states',
        sa.Column('source_kind', sa.String(length=10), primary_key=True),
        sa.Column('source_id', sa.String(length=36), primary_key=True),
        sa.Column('last_outcome', sa.String(length=10), nullable=False),
    )
    op.create_table(
        'notification_deliveries',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('source_kind', sa.String(length=10), nullable=False),
        sa.Column('source_id', sa.String(length=36), nullable=False),
        sa.Column('event', sa.String(length=10), nullable=False),
        sa.Column('run_kind', sa.String(length=10), nullable=False),
        sa.Column('run_id', sa.String(length=36), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('target', sa.Text(), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('response_status', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('handler_run_id', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_notification_deliveries_owner', 'notification_deliveries', ['owner', 'id'])
    op.create_index('ix_notification_deliveries_run_id', 'notification_deliveries', ['run_id'])


def downgrade() -> None:
    for table in ('notification_deliveries', 'notification_states', 'notification_settings', 'webhooks',
                  'schedule_fires', 'schedules'):
        op.drop_table(table)
    with op.batch_alter_table('workflow_runs') as batch:
        batch.drop_index('ix_workflow_runs_trigger_id')
        batch.drop_column('trigger_id')
        batch.drop_column('trigger')
    with op.batch_alter_table('executions') as batch:
        batch.drop_index('ix_executions_notified')
        batch.drop_column('notified')
        batch.drop_index('ix_executions_trigger_id')
        batch.drop_column('trigger_id')
