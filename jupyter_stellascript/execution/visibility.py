"""Who may see an execution, and how much of it.

A script's visibility says who may read and run the script, not who may read
other people's runs. An execution belongs to whoever started it:

- FULL (the whole record, its logs): the user who started it, admins, and
  the users and teams it was shared with (``execution/sharing.py``: its
  starter or an admin grants it, PUT .../sharing). An anonymous run has no
  user to check; its id (a random UUID, 122 bits, told only to whoever
  submitted it) is its credential: an anonymous caller who names it reads
  it, but anonymous runs are listed to no anonymous caller.
- SUMMARY: the creator of the run's script sees other people's runs of it
  (in the list and by id) with status, exit code, timestamps and who ran
  it, but not their arguments, environment names, output or error.
- NONE: anyone else; such a run answers 404, as if it did not exist.

The manager and the handlers ask only :func:`access` (one execution) and
:func:`listed_executions` (a list's SQL condition).
"""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from ..db import Execution, ExecutionShare, Script
from ..identity import ANONYMOUS, Caller


class Access(enum.IntEnum):
    NONE = 0
    SUMMARY = 1
    FULL = 2


def started(caller: Caller, requested_by: str) -> bool:
    """Whether ``caller`` started a run recorded as ``requested_by``. The
    label "anonymous" names anonymous runs only: a user of that name is not
    their starter (and does not see them)."""
    return caller.label == requested_by and caller.authenticated == (requested_by != ANONYMOUS.label)


def access(caller: Caller, requested_by: str, script_creator: str | None, shared: bool = False) -> Access:
    """How much of one execution (asked for by its id) ``caller`` may see;
    ``shared``: it is shared with the caller or one of their teams."""
    if caller.admin or started(caller, requested_by) or shared:
        return Access.FULL
    if caller.authenticated and caller.name == script_creator:
        return Access.SUMMARY
    return Access.NONE


def listed_executions(caller: Caller) -> ColumnElement[bool]:
    """The executions ``caller``'s lists hold, as a SQL condition on
    ``executions`` outer-joined to ``scripts`` (for the script's creator)."""
    if caller.admin:
        return true()
    if not caller.authenticated:
        return false()
    own = Execution.requested_by == caller.name if caller.name != ANONYMOUS.label else false()
    return or_(own, Script.created_by == caller.name, shared_with(caller))


def shared_with(caller: Caller) -> ColumnElement[bool]:
    """Whether the execution row is shared with ``caller`` (by name or a team), as SQL."""
    if not caller.authenticated:
        return false()
    grantees = [and_(ExecutionShare.grantee_kind == "user", ExecutionShare.grantee == caller.name)]
    if caller.teams:
        grantees.append(and_(ExecutionShare.grantee_kind == "team", ExecutionShare.grantee.in_(sorted(caller.teams))))
    return exists(select(ExecutionShare.execution_id).where(ExecutionShare.execution_id == Execution.id, or_(*grantees)))
