"""Schedules: create, read, change, pause and resume them; run one now; its history.

A schedule is its creator's: they (and admins) see and change it; its runs
are theirs, started as them (firing.py re-checks their access at each fire).
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..db import iso_utc, utcnow
from ..errors import NotFound, Unauthenticated, ValidationFailed
from ..execution.fields import parse
from ..identity import Caller
from ..paging import DEFAULT_LIMIT, Page
from ..parameters import declarations_of, validate_arguments
from ..triggered_runs import TriggeredRuns, target_name
from ..workflows.models import WorkflowDefinition
from ..workflows.validation import run_inputs
from .cron import CronSchedule
from .firing import ScheduleFiring
from .models import RUN_OPTIONS, ScheduleCreate, ScheduleRecord, ScheduleRun, ScheduleUpdate, run_options
from .tables import Schedule, ScheduleFire

NEXT_RUNS = 5


class Schedules:
    def __init__(self, sessions: sessionmaker, triggered: TriggeredRuns, firing: ScheduleFiring) -> None:
        self.sessions = sessions
        self.triggered = triggered
        self.firing = firing

    # -- writes ------------------------------------------------------------------------

    def create(self, caller: Caller, body: ScheduleCreate | dict) -> dict:
        body = parse(ScheduleCreate, body)
        _require_user(caller)
        kind = "script" if body.script_id is not None else "workflow"
        reference = body.script_id if kind == "script" else body.workflow_id
        target_id = self.triggered.registry.resolve(caller, reference)["id"] if kind == "script" else \
            self.triggered.workflows.store.get(caller, reference)["id"]
        values = (body.arguments if kind == "script" else body.inputs) or {}
        self._check_values(caller, kind, target_id, body.version, values)
        schedule = Schedule(
            id=str(uuid.uuid4()), owner=caller.name, owner_teams=sorted(caller.teams), owner_admin=caller.admin,
            target_kind=kind, target_id=target_id, version=body.version, cron=body.cron, timezone=body.timezone or "UTC",
            values=values, secrets=body.secrets or {}, run_options=run_options(body), enabled=True if body.enabled is None else body.enabled,
            overlap=(body.overlap.value if body.overlap else "skip"), catch_up=(body.catch_up.value if body.catch_up else "none"),
            notifications=[rule.model_dump(mode="json") for rule in body.notifications or ()],
            created_at=utcnow(), name=body.name)
        schedule.next_fire_epoch = _next_fire(schedule) if schedule.enabled else None
        with self.sessions() as session, session.begin():
            session.add(schedule)
        return self.get(caller, schedule.id)

    def update(self, caller: Caller, schedule_id: str, body: ScheduleUpdate | dict) -> dict:
        body = parse(ScheduleUpdate, body)
        given = body.model_fields_set
        with self.sessions() as session, session.begin():
            schedule = self._visible(session, caller, schedule_id)
            if "arguments" in given and schedule.target_kind == "workflow" or "inputs" in given and schedule.target_kind == "script":
                field = "arguments" if "arguments" in given else "inputs"
                raise ValidationFailed([{"field": field, "message": f"a {schedule.target_kind} does not take {field}"}])
            options = run_options(body)
            if options and schedule.target_kind == "workflow":
                raise ValidationFailed([{"field": name, "message": "a workflow's steps name their own target, tags and priority"}
                                        for name in options])
            if options or set(RUN_OPTIONS) & given:
                # A field given as null goes back to the default; one left out keeps its value.
                kept = {name: value for name, value in (schedule.run_options or {}).items() if name not in given}
                schedule.run_options = {**kept, **options}
            for name in ("version", "cron", "timezone", "secrets", "name"):
                if name in given and (getattr(body, name) is not None or name in ("version", "name")):
                    setattr(schedule, name, getattr(body, name))
            if "secrets" in given and body.secrets is None:
                schedule.secrets = {}
            if {"arguments", "inputs"} & given:
                schedule.values = (body.arguments if schedule.target_kind == "script" else body.inputs) or {}
            for name in ("overlap", "catch_up"):
                if getattr(body, name) is not None:
                    setattr(schedule, name, getattr(body, name).value)
            if body.notifications is not None:
                schedule.notifications = [rule.model_dump(mode="json") for rule in body.notifications]
            if body.enabled is not None:
                schedule.enabled = body.enabled
                schedule.paused_reason = None if body.enabled else schedule.paused_reason
            # Whoever saves it last is who it runs as.
            if caller.name == schedule.owner:
                schedule.owner_teams, schedule.owner_admin = sorted(caller.teams), caller.admin
            self._check_values(caller, schedule.target_kind, schedule.target_id, schedule.version, schedule.values)
            schedule.next_fire_epoch = _next_fire(schedule) if schedule.enabled else None
            schedule.updated_at = utcnow()
        return self.get(caller, schedule_id)

    def set_enabled(self, caller: Caller, schedule_id: str, enabled: bool) -> dict:
        """pause / resume. Resuming looks for occurrences from now on (none missed while paused)."""
        return self.update(caller, schedule_id, {"enabled": enabled})

    def delete(self, caller: Caller, schedule_id: str) -> None:
        with self.sessions() as session, session.begin():
            schedule = self._visible(session, caller, schedule_id)
            session.execute(delete(ScheduleFire).where(ScheduleFire.schedule_id == schedule.id))
            session.delete(schedule)

    def run_now(self, caller: Caller, schedule_id: str) -> dict:
        """One run now, as the schedule runs (its owner, values, trigger), whatever the overlap policy."""
        with self.sessions() as session:
            schedule = self._visible(session, caller, schedule_id)
        moment = int(time.time() * 1000)
        for attempt in range(5):
            try:
                with self.sessions() as session, session.begin():
                    fire = ScheduleFire(schedule_id=schedule.id, fire_ms=moment + attempt, outcome="starting", manual=True,
                                        server_instance=self.firing.instance, created_at=utcnow())
                    session.add(fire)
                break
            except IntegrityError:
                continue
        self.firing.fire(schedule, fire.id, respect_overlap=False)
        with self.sessions() as session:
            return self._run_view(session.get(ScheduleFire, fire.id))

    def _check_values(self, caller: Caller, kind: str, target_id: str, version: str | None, values: dict) -> None:
        """Arguments (or inputs) that would be refused at every fire are refused now."""
        if kind == "script":
            script = self.triggered.registry.get(caller, target_id, version=version)
            validate_arguments(declarations_of(script.get("parameters")), values)
        else:
            saved = self.triggered.workflows.store.get(caller, target_id, version=version)
            run_inputs(WorkflowDefinition.model_validate(saved["definition"]), values)

    # -- reads ---------------------------------------------------------------------------

    def _visible(self, session: Session, caller: Caller, schedule_id: str) -> Schedule:
        schedule = session.get(Schedule, schedule_id)
        if schedule is None or not (caller.admin or (caller.authenticated and caller.name == schedule.owner)):
            raise NotFound(f"no schedule {schedule_id}")
        return schedule

    def get(self, caller: Caller, schedule_id: str) -> dict:
        with self.sessions() as session:
            return self._view(session, self._visible(session, caller, schedule_id))

    def list(self, caller: Caller, limit: int = DEFAULT_LIMIT, offset: int = 0, script_id: str | None = None,
             workflow_id: str | None = None) -> tuple[list[dict], int]:
        page = Page.of(limit, offset)
        conditions = [] if caller.admin else [Schedule.owner == (caller.name or "\0")]
        if script_id:
            conditions += [Schedule.target_kind == "script", Schedule.target_id == script_id]
        if workflow_id:
            conditions += [Schedule.target_kind == "workflow", Schedule.target_id == workflow_id]
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(Schedule).where(*conditions))
            rows = session.scalars(select(Schedule).where(*conditions).order_by(Schedule.created_at, Schedule.id)
                                   .limit(page.limit).offset(page.offset)).all()
            return [self._view(session, schedule) for schedule in rows], total

    def runs(self, caller: Caller, schedule_id: str, limit: int = DEFAULT_LIMIT, offset: int = 0) -> tuple[list[dict], int]:
        """The schedule's occurrences handled, newest first, with their runs' statuses."""
        page = Page.of(limit, offset)
        with self.sessions() as session:
            schedule = self._visible(session, caller, schedule_id)
            condition = ScheduleFire.schedule_id == schedule.id
            total = session.scalar(select(func.count()).select_from(ScheduleFire).where(condition))
            fires = session.scalars(select(ScheduleFire).where(condition).order_by(ScheduleFire.id.desc())
                                    .limit(page.limit).offset(page.offset)).all()
            return [self._run_view(fire) for fire in fires], total

    def _run_view(self, fire: ScheduleFire) -> dict:
        status = self.triggered.status(fire.run_kind, fire.run_id) if fire.run_id else None
        return ScheduleRun(
            fire_time=datetime.fromtimestamp(fire.fire_ms / 1000, timezone.utc).isoformat(), outcome=fire.outcome,
            catch_up=fire.catch_up, manual=fire.manual, run_kind=fire.run_kind, run_id=fire.run_id, status=status,
            message=fire.message).model_dump(mode="json")

    def _view(self, session: Session, schedule: Schedule) -> dict:
        last = session.scalar(select(ScheduleFire).where(ScheduleFire.schedule_id == schedule.id)
                              .order_by(ScheduleFire.id.desc()).limit(1))
        next_runs = []
        if schedule.enabled:
            cron = CronSchedule(schedule.cron, schedule.timezone)
            next_runs = [moment.isoformat() for moment in cron.upcoming(datetime.now(timezone.utc), NEXT_RUNS)]
        is_script = schedule.target_kind == "script"
        return ScheduleRecord(
            id=schedule.id, name=schedule.name, owner=schedule.owner,
            script_id=schedule.target_id if is_script else None, workflow_id=None if is_script else schedule.target_id,
            target_name=target_name(session, schedule.target_kind, schedule.target_id),
            version=schedule.version, cron=schedule.cron, timezone=schedule.timezone,
            arguments=schedule.values if is_script else None, inputs=None if is_script else schedule.values,
            secrets=schedule.secrets or {}, target=(schedule.run_options or {}).get("target"),
            tags=(schedule.run_options or {}).get("tags") or {}, priority=(schedule.run_options or {}).get("priority") or "normal",
            retry_on_executor_loss=bool((schedule.run_options or {}).get("retry_on_executor_loss")), enabled=schedule.enabled, overlap=schedule.overlap, catch_up=schedule.catch_up,
            notifications=schedule.notifications or [], paused_reason=schedule.paused_reason, next_runs=next_runs,
            last_run=self._run_view(last) if last is not None else None,
            created_at=iso_utc(schedule.created_at), updated_at=iso_utc(schedule.updated_at),
        ).model_dump(mode="json")


def _next_fire(schedule: Schedule) -> int:
    return CronSchedule(schedule.cron, schedule.timezone).next_epoch(time.time())


def _require_user(caller: Caller) -> None:
    if not caller.authenticated:
        raise Unauthenticated("schedules need an authenticated user (their runs are theirs)")

