"""Finding a script by how people refer to it: an id, ``name`` or ``owner/name``.

A name is unique per owner (among scripts not deleted), so ``owner/name``
always names at most one script. A bare ``name`` means, in this order:

1. the caller's own script of that name, if they have one;
2. else the one script of that name among those the caller may read;
3. else, when several owners' scripts have it: :class:`AmbiguousName`
   (409), listing each candidate as ``owner/name``.

A reference that is a visible script's id is that script. Whatever does not
resolve is a NotFound (404) that does not say whether an unreadable script
of that name exists.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Script
from ..errors import Conflict, NotFound, ValidationFailed
from ..identity import Caller
from .visibility import readable_scripts

MAX_REFERENCE = 400


class AmbiguousName(Conflict):
    """A bare name several readable scripts have; ``details["candidates"]`` lists them as owner/name."""

    def __init__(self, name: str, candidates: list[str]) -> None:
        super().__init__(f"{len(candidates)} scripts are named {name!r}: {', '.join(candidates)}; "
                         "refer to one as owner/name", candidates=candidates)


def qualified(script: Script) -> str:
    """The reference that always names exactly this script: ``owner/name``."""
    return f"{script.created_by}/{script.name}"


def split_reference(reference: str) -> tuple[str | None, str]:
    """(owner or None, name). Names hold no "/", so the last "/" separates the owner."""
    text = (reference or "").strip()
    if not text or len(text) > MAX_REFERENCE or "\0" in text:
        raise ValidationFailed([{"field": "ref", "message": "a script reference is an id, a name or owner/name "
                                                           f"(1 to {MAX_REFERENCE} characters)"}])
    owner, slash, name = text.rpartition("/")
    if slash and not (owner and name):
        raise ValidationFailed([{"field": "ref", "message": f"{text!r} is not owner/name: both parts are needed"}])
    return (owner if slash else None), name


def resolve_script(session: Session, caller: Caller, reference: str) -> Script:
    """The one live script ``reference`` names among those ``caller`` may read."""
    owner, name = split_reference(reference)
    live = select(Script).where(Script.deleted_at.is_(None), readable_scripts(caller))
    if owner is None:
        by_id = session.scalar(live.where(Script.id == name))
        if by_id is not None:
            return by_id
    named = live.where(Script.name == name)
    if owner is not None:
        found = session.scalar(named.where(Script.created_by == owner))
        if found is None:
            raise NotFound(f"no script {owner}/{name} that you can see")
        return found
    if caller.authenticated:
        own = session.scalar(named.where(Script.created_by == caller.name))
        if own is not None:
            return own
    candidates = list(session.scalars(named.order_by(Script.created_by).limit(21)))
    if not candidates:
        raise NotFound(f"no script named {name!r} that you can see")
    if len(candidates) > 1:
        raise AmbiguousName(name, [qualified(script) for script in candidates])
    return candidates[0]


def same_name_of_owner(session: Session, owner: str, name: str, other_than: str | None = None) -> Script | None:
    """The owner's live script called ``name`` (not ``other_than``), if any."""
    query = select(Script).where(Script.deleted_at.is_(None), Script.created_by == owner, Script.name == name)
    if other_than is not None:
        query = query.where(Script.id != other_than)
    return session.scalar(query)


def duplicate_name(script: Script) -> Conflict:
    """The 409 for creating or renaming to a name the owner already uses."""
    return Conflict(f"{script.created_by} already has a script named {script.name!r} (id {script.id}); "
                    "choose another name", script_id=script.id, field="name")
