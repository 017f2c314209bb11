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
    return readable(caller, Script, ScriptTeam.script_id, ScriptTeam.team)


def readable(caller: Caller, table, team_owner, team) -> ColumnElement[bool]:
    """:func:`can_read` as a SQL condition on a table with id, visibility and created_by, whose
    team rows (``team_owner`` naming its id, ``team``) list its creator's teams."""
    if caller.admin:
        return true()
    allowed = [table.visibility == Visibility.PUBLIC.value]
    if caller.authenticated:
        allowed += [
            table.created_by == caller.name,
            table.visibility == Visibility.ORGANIZATION.value,
            (table.visibility == Visibility.TEAM.value)
            & table.id.in_(select(team_owner).where(team.in_(sorted(caller.teams))))
            if caller.teams else false(),
        ]
    return or_(*allowed)


def can_write(caller: Caller, script: Script) -> bool:
    return caller.admin or (caller.authenticated and caller.name == script.created_by)
