"""explicit sharing of an execution with users and teams

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'execution_shares',
        sa.Column('execution_id', sa.String(length=36), nullable=False),
        sa.Column('grantee_kind', sa.String(length=10), nullable=False),
        sa.Column('grantee', sa.String(length=200), nullable=False),
        sa.Column('granted_by', sa.String(length=200), nullable=False),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['execution_id'], ['executions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('execution_id', 'grantee_kind', 'grantee'),
    )
    op.create_index('ix_execution_shares_grantee', 'execution_shares', ['grantee_kind', 'grantee', 'execution_id'])


def downgrade() -> None:
    op.drop_index('ix_execution_shares_grantee', table_name='execution_shares')
    op.drop_table('execution_shares')
