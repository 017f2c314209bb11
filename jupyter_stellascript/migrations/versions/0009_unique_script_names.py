"""unique script names per owner, one name rule, tags in the search text; output order and platform messages

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:00:00

Before this revision a name was any text up to 200 characters and one owner
could have several scripts of the same name. From now on a name holds
letters, digits, ".", "_" and "-" (1 to 100 characters, Unicode NFC) and is
unique per owner among the scripts not deleted. Existing live scripts are
renamed predictably, each rename logged (logger
``jupyter_stellascript.migrations``, level WARNING):

1. an invalid name: NFC, every run of other characters becomes one "-",
   "-" at either end is dropped, cut to 100 characters ("" becomes "script");
   ``"has space name"`` -> ``"has-space-name"``, ``"../etc/passwd"`` -> ``"..-etc-passwd"``;
2. duplicates of one owner: the oldest script (created_at, then id) keeps
   the name; each later one gets the first free ``<name>-2``, ``<name>-3``...
   (free: no other live script of that owner has it, after step 1).

Executions get two columns: output_order (the runs of stdout and stderr in
the order written; null for older records, which replay stdout first) and
platform (dependency resolution and image build messages, until now mixed
into stderr; older records keep them there), and trigger (where a run was
started from; older records: api).

Deleted scripts keep their names (they are history, and the unique index
leaves them out). Downgrading drops the index and the column but does not
restore the old names.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

log = logging.getLogger("jupyter_stellascript.migrations")

MAX_NAME = 100
_OTHER = re.compile(r"[^\w.-]+")
_VALID = re.compile(r"[\w.-]{1,%d}" % MAX_NAME)


def valid_name(name: str) -> str:
    """The name under the rule (step 1 above)."""
    normal = unicodedata.normalize("NFC", name or "")
    if _VALID.fullmatch(normal):
        return normal
    return _OTHER.sub("-", normal).strip("-")[:MAX_NAME] or "script"


def _numbered(name: str, number: int) -> str:
    suffix = f"-{number}"
    return name[:MAX_NAME - len(suffix)] + suffix


def new_names(scripts: list[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    """{id: (new name, why)} for the scripts that change, from (id, owner, name)
    rows in the order that decides who keeps a name (oldest first)."""
    valid = {script_id: valid_name(name) for script_id, _, name in scripts}
    taken: dict[str, set[str]] = defaultdict(set)
    for script_id, owner, _ in scripts:
        taken[owner].add(valid[script_id])
    kept: dict[str, set[str]] = defaultdict(set)
    changes = {}
    for script_id, owner, name in scripts:
        chosen = valid[script_id]
        why = "the name broke the name rule" if chosen != name else ""
        if chosen in kept[owner]:
            number = 2
            while _numbered(chosen, number) in taken[owner]:
                number += 1
            chosen = _numbered(chosen, number)
            taken[owner].add(chosen)
            why = (why + " and " if why else "") + f"an older script of {owner} has the name {valid[script_id]!r}"
        kept[owner].add(chosen)
        if chosen != name:
            changes[script_id] = (chosen, why)
    return changes


def upgrade() -> None:
    with op.batch_alter_table('scripts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_folded', sa.String(length=200), nullable=False, server_default=''))
    connection = op.get_bind()
    scripts = sa.table('scripts', sa.column('id'), sa.column('name'), sa.column('description'),
                       sa.column('tags', sa.JSON()), sa.column('created_by'), sa.column('created_at'),
                       sa.column('deleted_at'), sa.column('search_text'), sa.column('name_folded'))
    live = connection.execute(sa.select(scripts.c.id, scripts.c.created_by, scripts.c.name)
                              .where(scripts.c.deleted_at.is_(None))
                              .order_by(scripts.c.created_by, scripts.c.created_at, scripts.c.id)).all()
    for script_id, (name, why) in new_names([tuple(row) for row in live]).items():
        old = next(row.name for row in live if row.id == script_id)
        log.warning("renamed script %s from %r to %r: %s", script_id, old, name, why)
        connection.execute(sa.update(scripts).where(scripts.c.id == script_id).values(name=name))
    # The search text now holds the tags too (as db.py's events write it).
    for row in connection.execute(sa.select(scripts.c.id, scripts.c.name, scripts.c.description, scripts.c.tags)).all():
        folded = "\n".join([(row.name or "").casefold(), (row.description or "").casefold(),
                            *(tag.casefold() for tag in row.tags or ())])
        connection.execute(sa.update(scripts).where(scripts.c.id == row.id)
                           .values(search_text=folded, name_folded=(row.name or "").casefold()))
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('output_order', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('platform', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('trigger', sa.String(length=20), nullable=False, server_default='api'))
        batch_op.create_index('ix_executions_trigger_queued', ['trigger', 'queued_at'])
    op.create_index('ux_scripts_owner_name', 'scripts', ['created_by', 'name'], unique=True,
                    sqlite_where=sa.text('deleted_at IS NULL'), postgresql_where=sa.text('deleted_at IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_index('ix_executions_trigger_queued')
        batch_op.drop_column('trigger')
        batch_op.drop_column('platform')
        batch_op.drop_column('output_order')
    op.drop_index('ux_scripts_owner_name', table_name='scripts')
    with op.batch_alter_table('scripts', schema=None) as batch_op:
        batch_op.drop_column('name_folded')
