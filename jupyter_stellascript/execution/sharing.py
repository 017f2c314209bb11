"""Sharing an execution explicitly: who besides its starter may read it.

An execution is its starter's (execution/visibility.py). Its starter, or an
admin, may grant other users and teams the same view (the whole record and
its logs, never cancel): ``PUT scripts/executions/{id}/sharing`` with the
complete list of grantees replaces the grants, ``GET`` reads them. Names are
taken as given: a grant to a user or team that does not exist (yet) grants
nothing until someone of that name or team asks.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ..db import Execution, ExecutionShare, Script, utcnow
from ..errors import Forbidden, NotFound, Unauthenticated
from ..identity import Caller
from .visibility import Access, access, shared_with, started

MAX_GRANTEES = 100
GranteeName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]


class SharingBody(BaseModel):
    """Everyone an execution is shared with (replaces the previous grants)."""

    model_config = ConfigDict(extra="forbid")

    users: list[GranteeName] = Field(default_factory=list, max_length=MAX_GRANTEES,
                                     description="Users who may read the whole record and its logs.")
    teams: list[GranteeName] = Field(default_factory=list, max_length=MAX_GRANTEES,
                                     description="Teams whose members may read the whole record and its logs.")


class ExecutionSharingRecord(BaseModel):
    """Who an execution is shared with (GET and PUT .../sharing answer this)."""

    execution_id: str
    users: list[str]
    teams: list[str]


class ExecutionSharing:
    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions

    def get(self, caller: Caller, execution_id: str) -> dict:
        with self.sessions() as session:
            self._owned(session, caller, execution_id)
            return self._grants(session, execution_id)

    def replace(self, caller: Caller, execution_id: str, body: SharingBody) -> dict:
        with self.sessions() as session, session.begin():
            self._owned(session, caller, execution_id)
            session.execute(delete(ExecutionShare).where(ExecutionShare.execution_id == execution_id))
            for kind, names in (("user", body.users), ("team", body.teams)):
                session.add_all(ExecutionShare(execution_id=execution_id, grantee_kind=kind, grantee=name,
                                               granted_by=caller.label, granted_at=utcnow())
                                for name in dict.fromkeys(names))
        with self.sessions() as session:
            return self._grants(session, execution_id)

    @staticmethod
    def _owned(session: Session, caller: Caller, execution_id: str) -> None:
        """Only the starter or an admin manages an execution's sharing; to anyone
        who may not see it at all, it does not exist."""
        if not caller.authenticated:
            raise Unauthenticated("sharing an execution needs an authenticated user")
        row = session.execute(select(Execution.requested_by, Script.created_by, shared_with(caller))
                              .outerjoin(Script, Script.id == Execution.script_id)
                              .where(Execution.id == execution_id)).first()
        if row is None:
            raise NotFound("no such execution")
        requested_by, script_creator, shared = row
        if caller.admin or started(caller, requested_by):
            return
        if access(caller, requested_by, script_creator, bool(shared)) is Access.NONE:
            raise NotFound("no such execution")
        raise Forbidden("only who started the execution, or an admin, may change or read who it is shared with")

    @staticmethod
    def _grants(session: Session, execution_id: str) -> dict:
        rows = session.execute(select(ExecutionShare.grantee_kind, ExecutionShare.grantee)
                               .where(ExecutionShare.execution_id == execution_id)
                               .order_by(ExecutionShare.grantee_kind, ExecutionShare.grantee)).all()
        return ExecutionSharingRecord(execution_id=execution_id, users=[name for kind, name in rows if kind == "user"],
                                      teams=[name for kind, name in rows if kind == "team"]).model_dump()
