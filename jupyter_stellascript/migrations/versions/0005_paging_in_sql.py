"""paging in SQL: searchable script text, tag and team rows, list indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scripts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index('ix_scripts_listing', ['deleted_at', 'name', 'id'])
        batch_op.create_index('ix_scripts_readable', ['deleted_at', 'visibility', 'created_by', 'id'])
    op.create_table(
        'script_tags',
        sa.Column('script_id', sa.String(length=36), sa.ForeignKey('scripts.id'), primary_key=True),
        sa.Column('tag', sa.String(length=200), primary_key=True),
    )
    op.create_index('ix_script_tags_tag', 'script_tags', ['tag', 'script_id'])
    op.create_table(
        'script_teams',
        sa.Column('script_id', sa.String(length=36), sa.ForeignKey('scripts.id'), primary_key=True),
        sa.Column('team', sa.String(length=200), primary_key=True),
    )
    op.create_index('ix_script_teams_team', 'script_teams', ['team', 'script_id'])
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.create_index('ix_executions_requested_by_queued', ['requested_by', 'queued_at', 'id'])
        batch_op.create_index('ix_executions_script_queued', ['script_id', 'queued_at', 'id'])
        batch_op.create_index('ix_executions_visibility', ['script_id', 'requested_by'])
    _fill_from_existing_scripts()


def _fill_from_existing_scripts() -> None:
    """The new columns and rows for scripts written before this revision (as db.py's events write them)."""
    connection = op.get_bind()
    scripts = sa.table('scripts', sa.column('id'), sa.column('name'), sa.column('description'),
                       sa.column('tags', sa.JSON()), sa.column('teams', sa.JSON()), sa.column('search_text'))
    tags = sa.table('script_tags', sa.column('script_id'), sa.column('tag'))
    teams = sa.table('script_teams', sa.column('script_id'), sa.column('team'))
    for row in connection.execute(sa.select(scripts.c.id, scripts.c.name, scripts.c.description,
                                            scripts.c.tags, scripts.c.teams)).all():
        folded = f"{(row.name or '').casefold()}\n{(row.description or '').casefold()}"
        connection.execute(sa.update(scripts).where(scripts.c.id == row.id).values(search_text=folded))
        for tag in sorted(set(row.tags or ())):
            connection.execute(sa.insert(tags).values(script_id=row.id, tag=tag))
        for team in sorted(set(row.teams or ())):
            connection.execute(sa.insert(teams).values(script_id=row.id, team=team))


def downgrade() -> None:
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_index('ix_executions_visibility')
        batch_op.drop_index('ix_executions_script_queued')
        batch_op.drop_index('ix_executions_requested_by_queued')
    op.drop_index('ix_script_teams_team', table_name='script_teams')
    op.drop_table('script_teams')
    op.drop_index('ix_script_tags_tag', table_name='script_tags')
    op.drop_table('script_tags')
    with op.batch_alter_table('scripts', schema=None) as batch_op:
        batch_op.drop_index('ix_scripts_readable')
        batch_op.drop_index('ix_scripts_listing')
        batch_op.drop_column('search_text')
