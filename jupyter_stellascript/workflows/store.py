"""WorkflowStore: create, version, search and delete workflows.

Like scripts: versions are semver bumps, immutable, their text stored as a
content-addressed blob; visibility private/team/organization/public (the
registry's rules); tags and text search in SQL. Saving validates the whole
definition first (validation.py) and pins every step's script version —
nothing is stored when anything is wrong.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import iso_utc, utcnow
from ..errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from ..execution.fields import parse
from ..identity import Caller
from ..paging import Page
from ..registry.manager import ScriptRegistry
from ..registry.semver import FIRST_VERSION, parse_version
from ..registry.visibility import Visibility, can_read, can_write, readable
from .lines import with_lines
from .models import WorkflowDefinition, load_definition
from .records import WorkflowRecord, WorkflowVersionRecord, answer
from .requests import Definition, WorkflowCreate, WorkflowUpdate
from .scripts import find_script
from .tables import Workflow, WorkflowTag, WorkflowTeam, WorkflowVersion
from .validation import validate

# Called with (caller, definition, pins) after a version is saved: the preloader.
OnSaved = Callable[[Caller, WorkflowDefinition, dict], None]


def readable_workflows(caller: Caller):
    """registry.visibility.can_read as a SQL condition on ``workflows``."""
    return readable(caller, Workflow, WorkflowTeam.workflow_id, WorkflowTeam.team)


def pin_of(script: dict) -> dict:
    return {"script_id": script["id"], "name": script["name"], "version": script["version"], "language": script["language"]}


class WorkflowStore:
    def __init__(self, registry: ScriptRegistry, on_saved: OnSaved | None = None) -> None:
        self.registry = registry
        self.sessions = registry.sessions
        self.on_saved = on_saved

    # -- checking --------------------------------------------------------------------

    def check(self, caller: Caller, definition: Definition) -> tuple[str, WorkflowDefinition, dict]:
        """(text, definition, pins) or ValidationFailed with every problem (paths under ``definition``)."""
        text = definition if isinstance(definition, str) else json.dumps(definition, indent=2)
        try:
            parsed = load_definition(definition)
            pins = validate(parsed, lambda step: find_script(self.registry, caller, step.script, step.version))
        except ValidationFailed as error:
            # Text has lines: each problem says its own, for an editor to show it there.
            problems = with_lines(definition, error.errors) if isinstance(definition, str) else error.errors
            raise ValidationFailed([{**problem, "field": _under_definition(problem["field"])} for problem in problems]) from None
        return text, parsed, {step_id: pin_of(script) for step_id, script in pins.items()}

    # -- reads -----------------------------------------------------------------------

    def _visible(self, session: Session, caller: Caller, workflow_id: str) -> Workflow:
        workflow = session.get(Workflow, workflow_id)
        if workflow is None or workflow.deleted_at is not None or not can_read(caller, workflow):
            raise NotFound(f"no workflow {workflow_id}")
        return workflow

    def _version_row(self, session: Session, workflow: Workflow, version: str | None) -> WorkflowVersion:
        wanted = version or workflow.latest_version
        row = session.scalar(select(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow.id,
                                                           WorkflowVersion.version == wanted))
        if row is None:
            raise NotFound(f"workflow {workflow.id} has no version {wanted}")
        return row

    def _view(self, session: Session, workflow: Workflow, version: WorkflowVersion, with_content: bool = True) -> dict:
        view = {
            "id": workflow.id, "name": workflow.name, "description": workflow.description,
            "visibility": workflow.visibility, "tags": workflow.tags,
            "version": version.version, "latest_version": workflow.latest_version,
            "content_sha256": version.content_sha256, "pins": version.pins,
            "created_at": iso_utc(workflow.created_at), "created_by": workflow.created_by,
            "updated_at": iso_utc(workflow.updated_at), "updated_by": workflow.updated_by,
        }
        if with_content:
            view["definition"] = version.definition
            view["content"] = self.registry._read_blob(session, version.content_sha256)
        return answer(WorkflowRecord, view)

    def get(self, caller: Caller, workflow_id: str, version: str | None = None) -> dict:
        with self.sessions() as session:
            workflow = self._visible(session, caller, workflow_id)
            return self._view(session, workflow, self._version_row(session, workflow, version))

    def versions(self, caller: Caller, workflow_id: str) -> list[dict]:
        with self.sessions() as session:
            workflow = self._visible(session, caller, workflow_id)
            rows = session.scalars(select(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow.id).order_by(
                WorkflowVersion.major.desc(), WorkflowVersion.minor.desc(), WorkflowVersion.patch.desc()))
            return [answer(WorkflowVersionRecord, {"version": row.version, "content_sha256": row.content_sha256,
                                                   "pins": row.pins, "created_at": iso_utc(row.created_at),
                                                   "created_by": row.created_by}) for row in rows]

    def search(self, caller: Caller, text: str | None = None, tags: list[str] | None = None,
               visibility: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
        if visibility and visibility not in [v.value for v in Visibility]:
            raise ValidationFailed([{"field": "visibility",
                                     "message": f"visibility must be one of {', '.join(v.value for v in Visibility)}"}])
        page = Page.of(limit, offset)
        conditions = [Workflow.deleted_at.is_(None), readable_workflows(caller)]
        if visibility:
            conditions.append(Workflow.visibility == visibility)
        if text:
            conditions.append(Workflow.search_text.contains(text.casefold(), autoescape=True))
        for tag in sorted(set(tags or ())):
            conditions.append(Workflow.id.in_(select(WorkflowTag.workflow_id).where(WorkflowTag.tag == tag)))
        rows = (select(Workflow, WorkflowVersion)
                .join(WorkflowVersion, (WorkflowVersion.workflow_id == Workflow.id)
                      & (WorkflowVersion.version == Workflow.latest_version))
                .where(*conditions).order_by(Workflow.name, Workflow.id).limit(page.limit).offset(page.offset))
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(Workflow).where(*conditions))
            return [self._view(session, w, v, with_content=False) for w, v in session.execute(rows)], total

    # -- writes ----------------------------------------------------------------------

    def create(self, caller: Caller, body: WorkflowCreate | dict) -> dict:
        _require_authenticated(caller, "create")
        body = parse(WorkflowCreate, body)
        text, definition, pins = self.check(caller, body.definition)
        name = body.name or definition.name
        if not name:
            raise ValidationFailed([{"field": "name", "message": "name is required (in the body or the definition)"}])
        now = utcnow()
        workflow = Workflow(id=str(uuid.uuid4()), name=name, description=body.description or definition.description,
                            visibility=body.visibility.value, tags=list(body.tags), teams=sorted(caller.teams),
                            latest_version=FIRST_VERSION, created_at=now, created_by=caller.name)
        with self.sessions() as session, session.begin():
            session.add(workflow)
            session.flush()
            session.add(self._new_version(session, workflow, FIRST_VERSION, text, definition, pins, caller))
        self._saved(caller, definition, pins)
        return self.get(caller, workflow.id)

    def update(self, caller: Caller, workflow_id: str, body: WorkflowUpdate | dict) -> dict:
        _require_authenticated(caller, "change")
        body = parse(WorkflowUpdate, body)
        with self.sessions() as session:
            workflow = self._visible(session, caller, workflow_id)
            if not can_write(caller, workflow):
                raise Forbidden("only the workflow's creator or an admin may change it")
            base = workflow.latest_version
            if body.expected_version and body.expected_version != base:
                raise Conflict(f"the workflow is at version {base}, not {body.expected_version}")
            current = self._version_row(session, workflow, None)
            source = body.definition if body.definition is not None else self.registry._read_blob(session, current.content_sha256)
        text, definition, pins = self.check(caller, source)
        with self.sessions() as session, session.begin():
            workflow = self._visible(session, caller, workflow_id)
            if workflow.latest_version != base:
                raise Conflict(f"the workflow changed to version {workflow.latest_version} meanwhile; reload and try again")
            version = str(parse_version(base).bump(body.version_bump.value))
            session.add(self._new_version(session, workflow, version, text, definition, pins, caller))
            for field, value in body.changes().items():
                setattr(workflow, field, value.value if isinstance(value, Visibility) else value)
            workflow.latest_version, workflow.updated_at, workflow.updated_by = version, utcnow(), caller.name
            try:
                session.flush()
            except IntegrityError as error:
                raise Conflict(f"version {version} was just created by another update; reload and try again") from error
        self._saved(caller, definition, pins)
        return self.get(caller, workflow_id)

    def delete(self, caller: Caller, workflow_id: str) -> None:
        _require_authenticated(caller, "delete")
        with self.sessions() as session, session.begin():
            workflow = self._visible(session, caller, workflow_id)
            if not can_write(caller, workflow):
                raise Forbidden("only the workflow's creator or an admin may delete it")
            workflow.deleted_at = utcnow()

    def _new_version(self, session: Session, workflow: Workflow, version: str, text: str,
                     definition: WorkflowDefinition, pins: dict, caller: Caller) -> WorkflowVersion:
        parsed = parse_version(version)
        return WorkflowVersion(workflow_id=workflow.id, version=version, major=parsed.major, minor=parsed.minor,
                               patch=parsed.patch, content_sha256=self.registry._store_blob(session, text),
                               definition=definition.as_data(), pins=pins, created_at=utcnow(), created_by=caller.label)

    def _saved(self, caller: Caller, definition: WorkflowDefinition, pins: dict) -> None:
        if self.on_saved is not None:
            self.on_saved(caller, definition, pins)


def _require_authenticated(caller: Caller, action: str) -> None:
    if not caller.authenticated:
        raise Unauthenticated(f"to {action} a workflow, authenticate (Authorization: token <t>)")


def _under_definition(field: str) -> str:
    if field in ("definition", "body"):
        return "definition"
    return f"definition.{field}"
