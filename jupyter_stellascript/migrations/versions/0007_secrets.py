"""secrets: encrypted values, the key check, and which secrets a run used

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'secrets',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('description', sa.Text(), nullable=False, server_default=''),
        sa.Column('visibility', sa.String(length=20), nullable=False),
        sa.Column('team', sa.String(length=200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.UniqueConstraint('owner', 'name'),
    )
    op.create_index('ix_secrets_owner', 'secrets', ['owner'])
    op.create_index('ix_secrets_name', 'secrets', ['name'])
    op.create_index('ix_secrets_team', 'secrets', ['team'])
    op.create_table(
        'secret_key_check',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('token', sa.LargeBinary(), nullable=False),
    )
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secrets', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_column('secrets')
    op.drop_table('secret_key_check')
    op.drop_index('ix_secrets_team', 'secrets')
    op.drop_index('ix_secrets_name', 'secrets')
    op.drop_index('ix_secrets_owner', 'secrets')
    op.drop_table('secrets')
