"""WorkflowRuns: start, follow, cancel and re-run workflow runs.

A run is a database record from the moment it is asked for; its driver
(runner.RunDriver) runs in a thread of this server and stores every step's
state as it changes, so the record always says where the run is. Events
(steps starting and ending, their live output) go to subscribers, with the
ones so far replayed to a late subscriber. A server that stops mid-run
(even by kill -9) does not lose its runs: the next server to start, or a live
peer sharing the database, takes them over and drives them on from their
stored state (takeover.py).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from ..db import as_utc, iso_utc, utcnow
from ..errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from ..execution.fields import parse
from ..execution.filters import ExecutionFilters
from ..execution.manager import ExecutionManager
from ..identity import Caller
from ..paging import DEFAULT_LIMIT, Page
from ..watchers import RunWatchers
from .models import WorkflowDefinition
from .records import WorkflowRunRecord, answer
from .requests import LocalRunBody, RerunBody, WorkflowRunBody
from .runner import RunDriver
from .state import RunStatus, StepState, StepStatus
from .store import WorkflowStore
from .tables import WorkflowRun
from .takeover import claim, orphaned_runs, resumable_steps
from .validation import run_inputs, upstream_of

log = logging.getLogger(__name__)

Listener = Callable[[dict], None]
# (caller, definition, pins) at the start of every run: the preloader.
OnStart = Callable[[Caller, WorkflowDefinition, dict], None]
MAX_EVENTS = 10_000


@dataclass
class _LiveRun:
    driver: RunDriver
    events: list[dict] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False


class WorkflowRuns:
    def __init__(self, store: WorkflowStore, executions: ExecutionManager, on_start: OnStart | None = None) -> None:
        self.store = store
        self.sessions = store.sessions
        self.executions = executions
        self.on_start = on_start
        self._live: dict[str, _LiveRun] = {}
        self._guard = threading.Lock()
        self.watchers = RunWatchers("workflow run")


    # -- starting ----------------------------------------------------------------------

    def run_saved(self, caller: Caller, workflow_id: str, body: WorkflowRunBody | dict, trigger: str = "api",
                  trigger_id: str | None = None) -> str:
        body = parse(WorkflowRunBody, body)
        _require_authenticated(caller)
        workflow = self.store.get(caller, workflow_id, version=body.version)
        definition = WorkflowDefinition.model_validate(workflow["definition"])
        self._check_readable(caller, definition, workflow["pins"])
        return self.start(caller, definition, workflow["pins"], run_inputs(definition, body.inputs),
                          workflow_id=workflow["id"], version=workflow["version"], trigger=trigger, trigger_id=trigger_id)

    def run_local(self, caller: Caller, body: LocalRunBody | dict) -> str:
        """A definition sent with the request: checked and pinned as a save would, stored with the run only."""
        body = parse(LocalRunBody, body)
        _require_authenticated(caller)
        _text, definition, pins = self.store.check(caller, body.definition)
        return self.start(caller, definition, pins, run_inputs(definition, body.inputs))

    def _check_readable(self, caller: Caller, definition: WorkflowDefinition, pins: dict) -> None:
        """A workflow cannot run a script its runner cannot read (the author could, at save)."""
        problems = []
        for index, step in enumerate(definition.steps):
            try:
                self.store.registry.get(caller, pins[step.id]["script_id"], version=pins[step.id]["version"])
            except NotFound:
                problems.append(f"steps[{index}] ({step.id}) runs script {pins[step.id]['name']!r}, which {caller.label} cannot read")
        if problems:
            raise Forbidden("; ".join(problems))

    def start(self, caller: Caller, definition: WorkflowDefinition, pins: dict, inputs: dict,
              workflow_id: str | None = None, version: str | None = None, rerun_of: str | None = None,
              steps: dict[str, StepState] | None = None, trigger: str = "api", trigger_id: str | None = None) -> str:
        run_id = str(uuid.uuid4())
        steps = steps or {step.id: StepState() for step in definition.steps}
        with self.sessions() as session, session.begin():
            session.add(WorkflowRun(
                id=run_id, workflow_id=workflow_id, workflow_version=version, definition=definition.as_data(),
                pins=pins, inputs=inputs, status=RunStatus.QUEUED.value,
                steps={sid: state.to_json() for sid, state in steps.items()}, requested_by=caller.label,
                rerun_of=rerun_of, queued_at=utcnow(), server_instance=self.executions.instance,
                trigger=trigger, trigger_id=trigger_id,
            ))
        self._launch(run_id, caller, definition, pins, inputs, steps)
        return run_id

    def _launch(self, run_id: str, caller: Caller, definition: WorkflowDefinition, pins: dict, inputs: dict,
                steps: dict[str, StepState], resumed_from: str | None = None) -> None:
        driver = RunDriver(run_id, caller, definition, pins, inputs, steps, self.executions,
                           persist=lambda snapshot: self._store_steps(run_id, snapshot),
                           publish=lambda event: self._publish(run_id, event))
        with self._guard:
            self._live[run_id] = _LiveRun(driver)
        threading.Thread(target=self._drive, args=(run_id, caller, definition, pins, resumed_from), daemon=True,
                         name=f"workflow-{run_id[:8]}").start()

    def _drive(self, run_id: str, caller: Caller, definition: WorkflowDefinition, pins: dict,
               resumed_from: str | None = None) -> None:
        live = self._live[run_id]
        if resumed_from is None:
            self._store(run_id, status=RunStatus.RUNNING.value, started_at=utcnow())
            self._publish(run_id, {"type": "run", "status": RunStatus.RUNNING.value})
            self.watchers.tell("start", run_id)  # once per run: a resumed run has told its start
        else:
            self._store(run_id, status=RunStatus.RUNNING.value,
                        started_at=func.coalesce(WorkflowRun.started_at, utcnow()))
            self._publish(run_id, {"type": "run", "status": RunStatus.RUNNING.value, "resumed": True})
        status, error = RunStatus.ERROR, None
        try:
            if self.on_start is not None:
                self.on_start(caller, definition, pins)
            status = live.driver.run()
        except Exception as failure:  # a bug must not leave the run Running
            log.exception("workflow run %s failed", run_id)
            error = f"internal error: {failure}"
        finally:
            self._store(run_id, status=status.value, error=error, completed_at=utcnow(),
                        reason="cancelled" if status is RunStatus.CANCELLED else None)
            self._publish(run_id, {"type": "run", "status": status.value, "error": error})
            self._close(run_id)
            self.watchers.tell("end", run_id)

    # -- state and events ----------------------------------------------------------------

    def _store(self, run_id: str, **values) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(WorkflowRun).where(WorkflowRun.id == run_id).values(**values))

    def _store_steps(self, run_id: str, snapshot: dict[str, StepState]) -> None:
        self._store(run_id, steps={sid: state.to_json() for sid, state in snapshot.items()})

    def _publish(self, run_id: str, event: dict) -> None:
        live = self._live.get(run_id)
        if live is None:
            return
        with live.lock:
            if len(live.events) < MAX_EVENTS:
                live.events.append(event)
            listeners = list(live.listeners)
        for listener in listeners:
            listener(event)

    def _close(self, run_id: str) -> None:
        with self._guard:
            live = self._live.pop(run_id, None)
        if live is None:
            return
        with live.lock:
            live.closed = True
            listeners = list(live.listeners)
            live.listeners.clear()
        for listener in listeners:
            listener({"type": "end"})

    def subscribe(self, run_id: str, listener: Listener) -> list[dict] | None:
        """Attach a listener; the events so far, or None when the run has ended."""
        live = self._live.get(run_id)
        if live is None:
            return None
        with live.lock:
            if live.closed:
                return None
            live.listeners.append(listener)
            return list(live.events)

    def unsubscribe(self, run_id: str, listener: Listener) -> None:
        live = self._live.get(run_id)
        if live is not None:
            with live.lock:
                if listener in live.listeners:
                    live.listeners.remove(listener)

    async def wait(self, run_id: str) -> None:
        """Wait (without holding a thread) until the run ends."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def on_event(event: dict) -> None:
            if event["type"] == "end":
                loop.call_soon_threadsafe(lambda: done.done() or done.set_result(None))

        if self.subscribe(run_id, on_event) is None:
            return
        await done

    # -- reading -----------------------------------------------------------------------

    def _visible(self, session, caller: Caller, run_id: str) -> WorkflowRun:
        run = session.get(WorkflowRun, run_id)
        if run is None or not (caller.admin or (caller.authenticated and caller.name == run.requested_by)):
            raise NotFound(f"no workflow run {run_id}")
        return run

    def get(self, caller: Caller, run_id: str) -> dict:
        with self.sessions() as session:
            return run_view(self._visible(session, caller, run_id))

    def list(self, caller: Caller, workflow_id: str | None = None, status: str | None = None,
             limit: int = DEFAULT_LIMIT, offset: int = 0, requested_by: str | None = None,
             since: str | None = None, until: str | None = None, trigger: str | None = None) -> tuple[list[dict], int]:
        """The runs the caller may see, newest first; the time range, user and trigger read as the executions list's."""
        problems = []
        if status and status not in [s.value for s in RunStatus]:
            problems.append({"field": "status", "message": f"status must be one of {', '.join(s.value for s in RunStatus)}"})
        try:
            # The execution centre lists both: one parsing rule for its user and time filters.
            window = ExecutionFilters.parse(requested_by=requested_by, since=since, until=until, trigger=trigger)
        except ValidationFailed as error:
            problems.extend(error.errors)
            window = ExecutionFilters()
        if problems:
            raise ValidationFailed(problems)
        page = Page.of(limit, offset)
        conditions = [] if caller.admin else [WorkflowRun.requested_by == (caller.name or "\0")]
        if workflow_id:
            conditions.append(WorkflowRun.workflow_id == workflow_id)
        if status:  # a run's statuses, checked above (the window knows an execution's)
            conditions.append(WorkflowRun.status == status)
        conditions += window.conditions(WorkflowRun)
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(WorkflowRun).where(*conditions))
            rows = session.scalars(select(WorkflowRun).where(*conditions)
                                   .order_by(WorkflowRun.queued_at.desc(), WorkflowRun.id).limit(page.limit).offset(page.offset))
            return [run_view(run) for run in rows], total

    # -- cancel, rerun, recover ------------------------------------------------------------

    def cancel(self, caller: Caller, run_id: str) -> dict:
        self.get(caller, run_id)  # NotFound for what the caller may not see
        live = self._live.get(run_id)
        if live is not None:
            live.driver.cancel()
        return self.get(caller, run_id)

    def rerun(self, caller: Caller, run_id: str, body: RerunBody | dict) -> str:
        """A new run of the same definition, pins and inputs: the steps that did not succeed (and
        ``from_step``) run again with everything that depends on them; the others keep their outputs."""
        body = parse(RerunBody, body)
        with self.sessions() as session:
            old = self._visible(session, caller, run_id)
            if not RunStatus(old.status).is_terminal:
                raise ValidationFailed([{"field": "run_id", "message": "the run has not ended; cancel it first"}])
            definition = WorkflowDefinition.model_validate(old.definition)
            previous = {sid: StepState.from_json(data) for sid, data in old.steps.items()}
            pins, inputs, workflow_id, version = old.pins, old.inputs, old.workflow_id, old.workflow_version
        if body.from_step is not None and body.from_step not in previous:
            raise ValidationFailed([{"field": "from_step", "message": f"unknown step {body.from_step!r}"}])
        again = {sid for sid, state in previous.items() if state.status != StepStatus.SUCCEEDED.value}
        if body.from_step:
            again.add(body.from_step)
        upstream = upstream_of(definition)
        again |= {sid for sid, needs in upstream.items() if needs & again}
        steps = {sid: StepState() if sid in again else _reused(previous[sid]) for sid in previous}
        self._check_readable(caller, definition, pins)
        return self.start(caller, definition, pins, inputs, workflow_id=workflow_id, version=version,
                          rerun_of=run_id, steps=steps)

    def recover(self) -> int:
        """Take over the runs of servers that are gone (at start-up and with every
        heartbeat); returns how many this server resumed."""
        live = self.executions.instances.live_ids()
        with self.sessions() as session:
            orphans = orphaned_runs(session, live)
        resumed = 0
        for run_id, gone_owner in orphans:
            if claim(self.sessions, run_id, gone_owner, self.executions.instance):
                self._resume(run_id, gone_owner)
                resumed += 1
        return resumed

    def _resume(self, run_id: str, gone_owner: str) -> None:
        from ..triggered_runs import owner_caller  # (it reads workflow tables: imported when first needed)

        with self.sessions() as session:
            run = session.get(WorkflowRun, run_id)
            definition = WorkflowDefinition.model_validate(run.definition)
            steps = resumable_steps(session, run, definition)
            pins, inputs, requested_by = run.pins, run.inputs, run.requested_by
        log.warning("resuming workflow run %s, left unfinished by server %s", run_id, gone_owner)
        self._store_steps(run_id, steps)
        # As its requester is now (their teams from their tokens): the steps run as theirs.
        caller = owner_caller(self.sessions, requested_by, [], False)
        self._launch(run_id, caller, definition, pins, inputs, steps, resumed_from=gone_owner)

    def shutdown(self) -> None:
        for live in list(self._live.values()):
            live.driver.cancel()


def _reused(state: StepState) -> StepState:
    reused = StepState.from_json(state.to_json())
    reused.reused = True
    return reused


def _require_authenticated(caller: Caller) -> None:
    if not caller.authenticated:
        raise Unauthenticated("running a workflow needs an authenticated user")


def run_view(run: WorkflowRun) -> dict:
    definition = WorkflowDefinition.model_validate(run.definition)
    steps = []
    for step in definition.steps:
        state = run.steps.get(step.id, {})
        steps.append({"id": step.id, "script": run.pins.get(step.id), "needs": step.needs, **state})
    duration = None
    if run.started_at and run.completed_at:
        duration = int((as_utc(run.completed_at) - as_utc(run.started_at)).total_seconds() * 1000)
    return answer(WorkflowRunRecord, {
        "id": run.id, "run_id": run.id, "workflow_id": run.workflow_id, "workflow_version": run.workflow_version,
        "status": run.status, "reason": run.reason, "error": run.error, "inputs": run.inputs,
        "requested_by": run.requested_by, "rerun_of": run.rerun_of, "steps": steps,
        "trigger": run.trigger or "api", "trigger_id": run.trigger_id,
        "queued_at": iso_utc(run.queued_at), "started_at": iso_utc(run.started_at),
        "completed_at": iso_utc(run.completed_at), "duration_ms": duration,
    })
