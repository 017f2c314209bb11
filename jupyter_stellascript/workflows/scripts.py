"""Which registry script a step's ``script:`` names: the registry's resolver
(an id, ``owner/name``, or a bare name: the caller's own script first, else
the only readable one), here in one function so that workflows refer to
scripts exactly as the magics and the CLI do."""

from __future__ import annotations

from ..errors import NotFound
from ..identity import Caller
from ..registry.manager import ScriptRegistry
from ..registry.references import AmbiguousName, resolve_script


class AmbiguousScript(NotFound):
    """More than one readable script has the name (a save-time problem of the step, not a 409 of the request)."""


def find_script(registry: ScriptRegistry, caller: Caller, reference: str, version: str | None = None) -> dict:
    """The script's view at ``version`` (default: its newest); NotFound when
    the caller cannot read one by that reference, or has no such version."""
    # Only the id from the resolver (registry.resolve would build a whole view that get builds again).
    with registry.sessions() as session:
        try:
            script_id = resolve_script(session, caller, reference).id
        except AmbiguousName as error:
            raise AmbiguousScript(str(error)) from None
    return registry.get(caller, script_id, version=version)
