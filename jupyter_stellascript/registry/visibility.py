"""Who may see, run and change a script.

- private: the creator only;
- team: members of one of the creator's teams;
- organization: any authenticated user;
- public: anyone, anonymous callers included.
Only the creator or an admin changes or deletes a script. Admins see all.
"""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, false, or_, select, true

from ..db import Script, ScriptTeam
from ..identity import Caller


class Visibility(str, enum.Enum):
    PRIVATE = "private"
    TEAM = "team"
    ORGANIZATION = "organization"
    PUBLIC = "public"


def can_read(caller: Caller, script: Script) -> bool:
    if caller.admin or (caller.authenticated and caller.name == script.created_by):
        return True
    visibility = Visibility(script.visibility)
    if visibility is Visibility.PUBLIC:
        return True
    if visibility is Visibility.ORGANIZATION:
        return caller.authenticated
    if visibility is Visibility.TEAM:
        return caller.authenticated and bool(caller.teams & set(script.teams or ()))
    return False


def readable_scripts(caller: Caller) -> ColumnElement[bool]:
    """:func:`can_read` as a SQL condition on ``scripts``, for searching and paging in the database."""
    if caller.admin:
        return true()
    allowed = [Script.visibility == Visibility.PUBLIC.value]
    if caller.authenticated:
        allowed += [
            Script.created_by == caller.name,
            Script.visibility == Visibility.ORGANIZATION.value,
            (Script.visibility == Visibility.TEAM.value)
            & Script.id.in_(select(ScriptTeam.script_id).where(ScriptTeam.team.in_(sorted(caller.teams))))
            if caller.teams else false(),
        ]
    return or_(*allowed)


def can_write(caller: Caller, script: Script) -> bool:
    return caller.admin or (caller.authenticated and caller.name == script.created_by)
