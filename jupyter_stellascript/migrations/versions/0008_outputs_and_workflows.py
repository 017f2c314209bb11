"""step outputs of every execution; workflows, their versions and runs

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outputs', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('workflow_run_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('step_id', sa.String(length=100), nullable=True))
        batch_op.create_index('ix_executions_workflow_run_id', ['workflow_run_id'])
    op.create_table(
        'workflows',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('name', sa.String(length=200), nullable=False, index=True),
        sa.Column('description', sa.Text(), nullable=False, server_default=''),
        sa.Column('visibility', sa.String(length=20), nullable=False, index=True),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('teams', sa.JSON(), nullable=False),
        sa.Column('latest_version', sa.String(length=40), nullable=False),
        sa.Column('search_text', sa.Text(), nullable=False, server_default=''),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_by', sa.String(length=200), nullable=True),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    )
    for kind, column in (('workflow_tags', 'tag'), ('workflow_teams', 'team')):
        op.create_table(
            kind,
            sa.Column('workflow_id', sa.String(length=36), sa.ForeignKey('workflows.id'), primary_key=True),
            sa.Column(column, sa.String(length=200), primary_key=True),
        )
        op.create_index(f'ix_{kind}_{column}', kind, [column, 'workflow_id'])
    op.create_table(
        'workflow_versions',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('workflow_id', sa.String(length=36), sa.ForeignKey('workflows.id'), nullable=False, index=True),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('major', sa.Integer(), nullable=False),
        sa.Column('minor', sa.Integer(), nullable=False),
        sa.Column('patch', sa.Integer(), nullable=False),
        sa.Column('content_sha256', sa.String(length=64), sa.ForeignKey('blobs.sha256'), nullable=False),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('pins', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.UniqueConstraint('workflow_id', 'version'),
    )
    op.create_table(
        'workflow_runs',
        sa.Column('id', sa.String(length=36), primary_key=True),
        sa.Column('workflow_id', sa.String(length=36), sa.ForeignKey('workflows.id'), nullable=True, index=True),
        sa.Column('workflow_version', sa.String(length=40), nullable=True),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('pins', sa.JSON(), nullable=False),
        sa.Column('inputs', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False, index=True),
        sa.Column('steps', sa.JSON(), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('requested_by', sa.String(length=200), nullable=False, index=True),
        sa.Column('rerun_of', sa.String(length=36), nullable=True),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('server_instance', sa.String(length=64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('workflow_runs')
    op.drop_table('workflow_versions')
    op.drop_table('workflow_teams')
    op.drop_table('workflow_tags')
    op.drop_table('workflows')
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_index('ix_executions_workflow_run_id')
        batch_op.drop_column('step_id')
        batch_op.drop_column('workflow_run_id')
        batch_op.drop_column('outputs')
