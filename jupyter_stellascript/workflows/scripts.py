"""Which registry script a step's ``script:`` names.

One function, so that the resolver can change in one place (issue 15's
``owner/name`` references): an id, or a name that exactly one script the
caller can read has.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from ..db import Script
from ..errors import NotFound
from ..identity import Caller
from ..registry.manager import ScriptRegistry
from ..registry.visibility import readable_scripts

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class AmbiguousScript(NotFound):
    """More than one readable script has the name."""


def find_script(registry: ScriptRegistry, caller: Caller, reference: str, version: str | None = None) -> dict:
    """The script's view at ``version`` (default: its newest); NotFound when
    the caller cannot read one by that id or name, or has no such version."""
    if _UUID.match(reference):
        return registry.get(caller, reference, version=version)
    with registry.sessions() as session:
        ids = list(session.scalars(
            select(Script.id).where(Script.name == reference, Script.deleted_at.is_(None), readable_scripts(caller))
            .order_by(Script.created_at).limit(6)))
    if not ids:
        raise NotFound(f"no script named {reference!r} that {caller.label} can read")
    if len(ids) > 1:
        raise AmbiguousScript(f"{len(ids) if len(ids) < 6 else 'several'} scripts named {reference!r} are readable "
                              f"({', '.join(ids[:5])}): name one by its id")
    return registry.get(caller, ids[0], version=version)
