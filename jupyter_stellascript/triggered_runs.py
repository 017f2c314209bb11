"""Starting a run of a script or a workflow on someone's behalf (schedules, webhooks,
notification handlers), and reading how it went.

Such a run is its owner's: it is started as the owner, with the owner's
visibility, checked again each time (a script made private, deleted or no
longer shared with them is NotFound/Forbidden here, and never runs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .db import ApiToken, Execution, Script
from .errors import Forbidden, NotFound, Unauthenticated
from .execution.fields import parse
from .execution.models import ExecutionStatus
from .execution.requests import ExecuteBody
from .identity import Caller
from .workflows.tables import Workflow, WorkflowRun

if TYPE_CHECKING:
    from .execution.manager import ExecutionManager
    from .registry.manager import ScriptRegistry
    from .workflows import Workflows

KINDS = ("script", "workflow")
# A run of a script is an execution, of a workflow a workflow run.
RUN_KIND = {"script": "execution", "workflow": "workflow_run"}
ACCESS_LOST = (NotFound, Forbidden, Unauthenticated)
ACTIVE = {ExecutionStatus.QUEUED.value, ExecutionStatus.RUNNING.value}  # the same words for workflow runs


def owner_caller(sessions: sessionmaker, owner: str, teams: list[str], admin: bool) -> Caller:
    """The owner as they are now: where API tokens name them (a headless server, a team's
    JupyterLab), their tokens' teams and admin flag; else what was stored with the record."""
    with sessions() as session:
        rows = session.execute(select(ApiToken.teams, ApiToken.admin).where(ApiToken.user == owner)).all()
    if rows:
        return Caller(name=owner, teams=frozenset(team for row in rows for team in row[0] or ()), admin=any(r[1] for r in rows))
    return Caller(name=owner, teams=frozenset(teams or ()), admin=admin)


def target_name(session: Session, kind: str, target_id: str) -> str:
    """A script's or workflow's name as records show it (the row stays when it is deleted)."""
    table = Script if kind == "script" else Workflow
    return session.scalar(select(table.name).where(table.id == target_id)) or target_id


def as_argument(value: Any) -> str:
    """A JSON value as a script argument (arguments travel as text)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


class TriggeredRuns:
    def __init__(self, registry: "ScriptRegistry", executions: "ExecutionManager", workflows: "Workflows") -> None:
        self.registry = registry
        self.executions = executions
        self.workflows = workflows
        self.sessions = registry.sessions

    def describe(self, caller: Caller, kind: str, target_id: str, version: str | None = None) -> dict:
        """{kind, id, name, owner} of a target the caller may read (NotFound otherwise); a script
        may be named by id, name or owner/name."""
        if kind == "script":
            script = self.registry.get(caller, self.registry.resolve(caller, target_id)["id"], version=version)
            return {"kind": kind, "id": script["id"], "name": script["name"], "owner": script["created_by"]}
        workflow = self.workflows.store.get(caller, target_id, version=version)
        return {"kind": kind, "id": workflow["id"], "name": workflow["name"], "owner": workflow["created_by"]}

    def start(self, caller: Caller, kind: str, target_id: str, version: str | None, values: Mapping[str, Any],
              secrets: Mapping[str, str], trigger: str, trigger_id: str | None, options: Mapping[str, Any] = {}) -> str:
        """Start a run; its id. ValidationFailed for bad arguments or inputs, ACCESS_LOST for a target gone from view.
        ``options``: a script run's other execute-body fields (target container, tags, priority...)."""
        if kind == "script":
            # parse: a refused argument (too many, too long) is a 400 naming it, as on every run path.
            body = parse(ExecuteBody, {"arguments": {name: as_argument(value) for name, value in values.items()},
                                       "secrets": dict(secrets), "version": version, **options})
            return self.executions.submit(caller, target_id, body, trigger=trigger, trigger_id=trigger_id)
        return self.workflows.runs.run_saved(caller, target_id, {"inputs": dict(values), "version": version},
                                             trigger=trigger, trigger_id=trigger_id)

    def status(self, run_kind: str, run_id: str) -> str | None:
        table = Execution if run_kind == "execution" else WorkflowRun
        with self.sessions() as session:
            return session.scalar(select(table.status).where(table.id == run_id))

    def run_of_trigger(self, kind: str, trigger: str, trigger_id: str) -> str | None:
        """The id of a run (kind script or workflow) that ``trigger`` ``trigger_id`` started, if there is one."""
        table = Execution if kind == "script" else WorkflowRun
        with self.sessions() as session:
            return session.scalar(select(table.id).where(table.trigger == trigger, table.trigger_id == trigger_id).limit(1))

    def record(self, caller: Caller, run_kind: str, run_id: str) -> dict:
        if run_kind == "execution":
            return self.executions.get(caller, run_id)
        return self.workflows.runs.get(caller, run_id)

    async def wait(self, run_kind: str, run_id: str) -> None:
        if run_kind == "execution":
            await self.executions.wait(run_id)
        else:
            await self.workflows.runs.wait(run_id)
