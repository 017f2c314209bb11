"""RunDriver: one workflow run, step by step, over the DAG of ``needs``.

Steps whose needs have ended start at once (each in its own thread), and at
most ``max_concurrent`` executions of the run are submitted at a time, a
for_each step's items included; every attempt is an ordinary persisted
execution submitted through the ExecutionManager, marked with the run and
step ids, so logs, limits, isolation and metrics apply unchanged. A step
runs when its ``if`` holds (default: every needed step succeeded); a
failed attempt is retried after ``delay * backoff**n``; a for_each step runs
its items ``max_parallel`` at a time. Cancelling cancels running executions;
steps not started are Skipped unless their ``if`` asks for always() or
cancelled().
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from pydantic import ValidationError

from ..errors import RegistryError
from ..execution.fields import field_errors
from ..execution.manager import ExecutionManager
from ..execution.models import ExecutionStatus
from ..execution.requests import ExecuteBody
from ..identity import Caller
from .expressions import Context, ExpressionError, as_text, condition, condition_calls, render
from .models import Step, WorkflowDefinition
from .state import ItemState, RunStatus, StepState, StepStatus
from .validation import upstream_of

log = logging.getLogger(__name__)

# (event) -> None: {"type": "step" | "output", ...}
Publish = Callable[[dict], None]
# (steps) -> None: store every step's state
Persist = Callable[[dict[str, StepState]], None]


class RunDriver:
    def __init__(self, run_id: str, caller: Caller, definition: WorkflowDefinition, pins: dict, inputs: dict,
                 steps: dict[str, StepState], executions: ExecutionManager, persist: Persist, publish: Publish) -> None:
        self.run_id, self.caller = run_id, caller
        self.definition, self.pins, self.inputs = definition, pins, inputs
        self.steps = steps
        self.executions = executions
        self._persist, self._publish = persist, publish
        self.cancelled = threading.Event()
        self._lock = threading.Lock()
        self._running_executions: set[str] = set()
        # One slot per execution in flight, across steps and for_each items:
        # max_concurrent is what the run may ask of the pool, not a step count.
        self._execution_slots = threading.BoundedSemaphore(definition.max_concurrent)
        self._upstream = upstream_of(definition)

    # -- the DAG -----------------------------------------------------------------------

    def run(self) -> RunStatus:
        """Run every step not already ended (a rerun's reused steps are); the run's status."""
        order = [step.id for step in self.definition.steps]
        with ThreadPoolExecutor(max_workers=self.definition.max_concurrent, thread_name_prefix=f"wf-{self.run_id[:8]}") as pool:
            running: dict[Future, str] = {}
            while True:
                for step_id in order:
                    state = self.steps[step_id]
                    if state.status != StepStatus.PENDING.value or step_id in running.values():
                        continue
                    step = self.definition.step(step_id)
                    if not all(self.steps[need].step_status.is_terminal for need in step.needs):
                        continue
                    if not self._should_run(step):
                        self._update(step_id, lambda s: s.end(StepStatus.SKIPPED))
                        continue
                    if len(running) < self.definition.max_concurrent:
                        self._update(step_id, StepState.start)
                        running[pool.submit(self._run_step, step)] = step_id
                if not running:
                    break
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    step_id = running.pop(future)
                    error = future.exception()
                    if error is not None:  # a bug, not the script's doing: the step ends, the run goes on
                        log.exception("workflow run %s step %s", self.run_id, step_id, exc_info=error)
                        self._update(step_id, lambda s: s.end(StepStatus.FAILED, f"internal error: {error}"))
        return self.status()

    def status(self) -> RunStatus:
        if self.cancelled.is_set():
            return RunStatus.CANCELLED
        if any(s.status in (StepStatus.FAILED.value, StepStatus.CANCELLED.value) and not s.continued
               for s in self.steps.values()):
            return RunStatus.FAILED
        return RunStatus.SUCCEEDED

    def _should_run(self, step: Step) -> bool:
        context = self._context(step)
        if step.if_ is None:
            return context.needs_succeeded and not context.cancelled
        try:
            return condition(step.if_, context)
        except ExpressionError as error:
            self._update(step.id, lambda s: setattr(s, "error", f"if: {error}"))
            return False

    def _context(self, step: Step, item: Any = None, has_item: bool = False) -> Context:
        with self._lock:
            visible = {sid: {"outputs": s.outputs if s.outputs is not None else {}, "status": s.status}
                       for sid, s in self.steps.items() if sid in self._upstream[step.id]}
            needs_succeeded = all(self.steps[need].ok for need in step.needs)
            needs_failed = any(self.steps[sid].status in (StepStatus.FAILED.value, StepStatus.CANCELLED.value)
                               and not self.steps[sid].continued for sid in self._upstream[step.id])
        return Context(inputs=self.inputs, steps=visible, item=item, has_item=has_item,
                       needs_succeeded=needs_succeeded, needs_failed=needs_failed, cancelled=self.cancelled.is_set())

    # -- one step --------------------------------------------------------------------

    def _run_step(self, step: Step) -> None:
        with self._lock:  # a resumed step's attempts so far (none for a new one)
            so_far = self.steps[step.id]
            attempts, execution_ids, items = so_far.attempts, list(so_far.execution_ids), so_far.items
        if step.for_each is None:
            item = ItemState(item=None, attempts=attempts, execution_ids=execution_ids)
            self._run_attempts(step, item, self._context(step))
            self._update(step.id, lambda s: _take_item(s, item))
            self._end_step(step, StepStatus(item.status), item.error)
            return
        states = items  # a resumed step's, as they were
        if states is None:
            states = self._items(step)
            if states is None:
                return
            self._update(step.id, lambda s: setattr(s, "items", states))
        # Items at once: max_parallel, else the run's max_concurrent.
        with ThreadPoolExecutor(max_workers=step.max_parallel or self.definition.max_concurrent,
                                thread_name_prefix=f"wf-{step.id[:12]}") as pool:
            for future in [pool.submit(self._run_attempts, step, state, self._context(step, state.item, True))
                           for state in states]:
                future.result()
        failed = [s for s in states if s.status != StepStatus.SUCCEEDED.value]
        self._update(step.id, lambda s: _take_items(s, states))
        status = StepStatus.SUCCEEDED
        if failed:
            status = StepStatus.CANCELLED if all(s.status == StepStatus.CANCELLED.value for s in failed) else StepStatus.FAILED
        self._end_step(step, status, f"{len(failed)} of {len(states)} items did not succeed" if failed else None)

    def _items(self, step: Step) -> list[ItemState] | None:
        """A for_each step's items, rendered once (a resumed step keeps the ones it had); None: the step failed."""
        try:
            items = render(step.for_each, self._context(step)) if isinstance(step.for_each, str) else step.for_each
        except ExpressionError as error:
            self._end_step(step, StepStatus.FAILED, f"for_each: {error}")
            return None
        if not isinstance(items, list):
            self._end_step(step, StepStatus.FAILED, f"for_each gave {type(items).__name__}, not a list")
            return None
        return [ItemState(item=value) for value in items]

    def _end_step(self, step: Step, status: StepStatus, error: str | None) -> None:
        def end(state: StepState) -> None:
            state.end(status, error)
            state.continued = status is StepStatus.FAILED and step.continue_on_error
        self._update(step.id, end)

    def _run_attempts(self, step: Step, item: ItemState, context: Context) -> None:
        """Attempts until one succeeds, retries are used up, or the run is cancelled.

        A resumed item goes on from the attempt it reached: the execution of
        that attempt, when it was submitted, is followed to its end."""
        if item.status != StepStatus.PENDING.value:  # a resumed for_each step's item that had ended
            return
        first = max(item.attempts, 1)
        in_flight = item.execution_ids[-1] if item.attempts and len(item.execution_ids) == item.attempts else None
        try:
            body = self._body(step, context)
        except ExpressionError as error:
            item.status, item.error = StepStatus.FAILED.value, str(error)
            return
        except ValidationError as error:  # a rendered value the run refuses (e.g. a target name that is no name)
            item.status, item.error = StepStatus.FAILED.value, "; ".join(f"{p['field']}: {p['message']}" for p in field_errors(error))
            return
        for attempt in range(first, step.retries.max + 2):
            followed = in_flight if attempt == first else None
            if attempt > 1 and followed is None and self.cancelled.wait(step.retries.delay_before(attempt)) \
                    and not _runs_after_cancel(step):
                item.status = StepStatus.CANCELLED.value  # cancelled while waiting to retry
                break
            with self._execution_slots:
                if self.cancelled.is_set() and not _runs_after_cancel(step):
                    break
                item.attempts = attempt
                self._update(step.id, lambda s: setattr(s, "attempts", max(s.attempts, attempt)))
                record = self._follow(step, followed) if followed else self._execute(step, body, item)
            if record is None:
                return
            item.outputs, item.exit_code = record.get("outputs"), record.get("exit_code")
            status = record["status"]
            if status == ExecutionStatus.SUCCEEDED.value:
                item.status, item.error = StepStatus.SUCCEEDED.value, None
                return
            item.error = record.get("error") or f"the execution ended {status}" + (
                f" with exit code {record['exit_code']}" if record.get("exit_code") is not None else "")
            if status == ExecutionStatus.CANCELLED.value:
                item.status = StepStatus.CANCELLED.value
                return
            item.status = StepStatus.FAILED.value
        if self.cancelled.is_set() and item.status == StepStatus.PENDING.value:
            item.status = StepStatus.CANCELLED.value

    def _body(self, step: Step, context: Context) -> ExecuteBody:
        pin = self.pins[step.id]
        return ExecuteBody(
            version=pin["version"],
            arguments={key: as_text(render(value, context)) for key, value in step.arguments.items()},
            environment={key: as_text(render(value, context)) for key, value in step.environment.items()},
            secrets=dict(step.secrets),
            timeout=step.timeout, network_mode=step.network_mode,
            target={"container": as_text(render(step.target.container, context))} if step.target else None,
            memory=step.limits.memory if step.limits else None, cpus=step.limits.cpus if step.limits else None,
            tags=dict(step.tags), retry_on_executor_loss=step.retry_on_executor_loss,
        )

    def _execute(self, step: Step, body: ExecuteBody, item: ItemState) -> dict | None:
        """Run one attempt to its end; its record, or None when it could not be submitted (item failed)."""
        try:
            execution_id = self.executions.submit(self.caller, self.pins[step.id]["script_id"], body,
                                                  trigger="workflow", workflow_step=(self.run_id, step.id))
        except RegistryError as error:
            item.status, item.error = StepStatus.FAILED.value, str(error)
            return None
        item.execution_ids.append(execution_id)
        self._update(step.id, lambda s: s.execution_ids.append(execution_id))
        self._publish({"type": "execution", "step": step.id, "execution_id": execution_id, "item": item.item})
        return self._follow(step, execution_id)

    def _follow(self, step: Step, execution_id: str) -> dict:
        """Its output published as it comes, until it ends; its record."""
        with self._lock:
            self._running_executions.add(execution_id)
        if self.cancelled.is_set() and not _runs_after_cancel(step):
            self.executions.cancel(self.caller, execution_id)
        done = threading.Event()

        def listener(stream: str, text: str) -> None:
            if stream == "end":
                done.set()
            else:
                self._publish({"type": "output", "step": step.id, "execution_id": execution_id, "stream": stream, "text": text})

        so_far = self.executions.subscribe(execution_id, listener)
        if so_far is not None:
            for stream, text in so_far:
                listener(stream, text)
            done.wait()
        with self._lock:
            self._running_executions.discard(execution_id)
        return self.executions.get(self.caller, execution_id)

    # -- cancelling and state ------------------------------------------------------

    def cancel(self) -> None:
        self.cancelled.set()
        with self._lock:
            running = list(self._running_executions)
        for execution_id in running:
            step_id = next((sid for sid, s in self.steps.items() if execution_id in s.execution_ids), None)
            if step_id is None or not _runs_after_cancel(self.definition.step(step_id)):
                self.executions.cancel(self.caller, execution_id)

    def _update(self, step_id: str, change: Callable[[StepState], Any]) -> None:
        with self._lock:
            change(self.steps[step_id])
            snapshot = {sid: StepState.from_json(s.to_json()) for sid, s in self.steps.items()}
        self._persist(snapshot)
        self._publish({"type": "step", "step": step_id, **snapshot[step_id].to_json()})


def _runs_after_cancel(step: Step) -> bool:
    """A step whose ``if`` calls always() or cancelled() runs on after a cancel."""
    if step.if_ is None:
        return False
    try:
        return any(name in ("always", "cancelled") for name in condition_calls(step.if_))
    except ExpressionError:
        return False


def _take_item(state: StepState, item: ItemState) -> None:
    state.outputs, state.exit_code, state.attempts = item.outputs, item.exit_code, item.attempts


def _take_items(state: StepState, items: list[ItemState]) -> None:
    state.items = items
    state.outputs = [item.outputs for item in items]
    state.attempts = max((item.attempts for item in items), default=0)
    codes = [item.exit_code for item in items if item.exit_code not in (None, 0)]
    state.exit_code = codes[0] if codes else (0 if items and all(i.exit_code == 0 for i in items) else None)
