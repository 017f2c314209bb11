"""ExecutionManager: persisted executions of registry scripts.

Each execution is a database record from the moment it is asked for
(Queued), through Running, to a terminal status, and a row of the durable
queue (jupyter_stellascript/queue) until it ends: the embedded executor (at
most ``max_concurrent`` at once) or ``stellascript worker`` processes claim
it, high priority first, in order of arrival within a priority. Output
streams live to subscribers while it runs (in memory when it runs here,
through the database when it runs elsewhere) and is stored with the record
when it ends. Nothing queued is lost with a server; a run whose executor
died ends with a reason (or is queued again once) — none stays "Running".
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import Execution, Script, utcnow
from ..errors import Forbidden, NotFound, Unauthenticated, Unavailable
from ..identity import Caller
from ..languages import get_language
from ..paging import DEFAULT_LIMIT, Page
from ..parameters import declarations_of, secret_names, validate_arguments
from ..parameters.merge import effective_parameters
from ..queue.embedded import EmbeddedQueue
from ..queue.models import Placement
from ..registry.manager import ScriptRegistry
from ..watchers import RunWatchers
from ..secrets.manager import SecretManager
from ..targets.selection import TargetUnavailable
from .backend import BackendNotReady, ExecutionBackend
from .fields import InvalidRequest
from .filters import DEFAULT_TRIGGER, ExecutionFilters
from .instances import ServerInstances
from .models import ExecutionRequest, ExecutionStatus
from .output_log import PLATFORM
from .policy import RunPolicy
from .records import ExecutionRecord
from .requests import AdhocBody, ExecuteBody
from .sharing import ExecutionSharing
from .visibility import Access, access, listed_executions, shared_with

log = logging.getLogger(__name__)

Listener = Callable[[str, str], None]  # (stream name, text); stream "end" closes


@dataclass
class _Live:
    """An execution running here: its output so far and listeners."""

    chunks: list[tuple[str, str]] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False  # set under lock once "end" has gone out; no listener may join after


class ExecutionManager:
    def __init__(
        self,
        sessions: sessionmaker,
        registry: ScriptRegistry,
        backend: ExecutionBackend,
        policy: RunPolicy,
        max_concurrent: int = 10,
        secrets: SecretManager | None = None,
        execute_locally: bool = True,
        placement_timeout_s: float | None = None,
    ) -> None:
        self.sessions = sessions
        self.registry = registry
        self.backend = backend
        self.policy = policy
        self.secrets = secrets
        self.instance = uuid.uuid4().hex
        self.instances = ServerInstances(sessions, self.instance, on_beat=self.recover)
        self.sharing = ExecutionSharing(sessions)
        self.max_concurrent = max_concurrent
        self.execute_locally = execute_locally
        self._live: dict[str, _Live] = {}
        self._live_guard = threading.Lock()
        # The queue, the embedded executor (claiming nothing when execution is not local) and the log follower.
        self.queue = EmbeddedQueue(sessions, backend, self.instance, secrets.cipher if secrets else None,
                                   max_concurrent if execute_locally else 0, placement_timeout_s,
                                   on_start=self._open_live, on_text=self._publish, on_end=self._close_live)
        self.watchers = RunWatchers("execution")


    # -- start-up ----------------------------------------------------------------

    def recover(self) -> int:
        """Close records left open by servers that are gone; returns how many.

        Runs at start-up and then with every heartbeat, so executions of a
        peer that died (sharing a PostgreSQL database) are closed too, while
        those of live peers are left alone.
        """
        self.queue.reap()  # the queue's own: runs of executors that are gone end executor_lost (or are requeued)
        live = self.instances.live_ids()
        with self.sessions() as session, session.begin():
            result = session.execute(
                update(Execution)
                .where(Execution.status.in_([ExecutionStatus.QUEUED.value, ExecutionStatus.RUNNING.value]))
                .where(Execution.server_instance.not_in(live))
                .where(self.queue.not_queued())  # the queue's runs are the queue's (executor_lost, requeued)
                .values(
                    status=ExecutionStatus.ERROR.value,
                    termination_reason="server_stopped",
                    error="the server stopped before this execution finished; "
                          "containers it left are removed when a server starts again on its host",
                    completed_at=utcnow(),
                )
            )
            return result.rowcount or 0

    # -- submitting ----------------------------------------------------------------

    def submit(self, caller: Caller, script_id: str, body: ExecuteBody, trigger: str = DEFAULT_TRIGGER,
               workflow_step: tuple[str, str] | None = None, trigger_id: str | None = None) -> str:
        """Queue a run of the script; ``workflow_step`` (run id, step id) marks a workflow step's execution,
        ``trigger_id`` the schedule or webhook that started it."""
        script = self.registry.get(caller, script_id, version=body.version)
        # Before anything is queued: a refused argument is a 400 naming its parameter.
        body, secret_files = _with_parameters(body, declarations_of(script.get("parameters")))
        request = self.policy.resolve(body.request(
            script["language"], script["content"], script["entry_point"], secret_files=secret_files,
            dependencies=script.get("dependencies") or [], dependency_lock=script.get("dependency_lock"),
        ))
        self._check_target(caller, request)
        return self._enqueue(caller, script, self._with_secrets(caller, request), trigger, workflow_step,
                             Placement.of(body, script_retries=bool(script.get("retry_on_executor_loss"))), trigger_id)

    def _check_target(self, caller: Caller, request: ExecutionRequest) -> None:
        """A target that is not a running target container, or not one the caller
        may use, is a 400 naming it (targets/selection.py); the engine checks the
        container again when the run starts (it may have stopped meanwhile)."""
        if request.target is None:
            return
        try:
            self.policy.targets.check_allowed(caller, request.target, self.backend.describe_target(request.target))
        except TargetUnavailable as error:
            raise InvalidRequest([{"field": "target.container", "message": str(error)}]) from None
        except BackendNotReady as error:
            # Who may use the target cannot be known without the engine: nothing is queued.
            raise Unavailable(f"the target container {request.target!r} cannot be checked yet: {error}") from None

    def _with_secrets(self, caller: Caller, request: ExecutionRequest) -> ExecutionRequest:
        """The request with the secrets it names resolved for ``caller`` (who
        must be allowed to use each: the script's author grants nothing)."""
        if not request.secret_environment and not request.secret_files:
            return request
        if self.secrets is None:
            raise InvalidRequest([{"field": "secrets", "message": "this server has no secret store"}])
        delivered = self.secrets.deliver(caller, request.secret_environment, request.secret_files)
        return request.model_copy(update={"delivered_secrets": delivered})

    def _enqueue(self, caller: Caller, script: dict, request: ExecutionRequest, trigger: str = DEFAULT_TRIGGER,
                 workflow_step: tuple[str, str] | None = None, placement: Placement | None = None,
                 trigger_id: str | None = None) -> str:
        execution_id = str(uuid.uuid4())
        placement = placement or Placement()
        workflow_run_id, step_id = workflow_step or (None, None)
        with self.sessions() as session, session.begin():
            session.add(Execution(
                id=execution_id,
                script_id=script["id"],
                script_version=script["version"],
                content_sha256=script["content_sha256"],
                language=script["language"],
                status=ExecutionStatus.QUEUED.value,
                requested_by=caller.label,
                trigger=trigger,
                trigger_id=trigger_id,
                arguments=request.arguments,
                environment_keys=sorted(request.environment),
                secrets=[secret.usage() for secret in request.delivered_secrets],
                network_mode=request.network_mode.value,
                target={"container": request.target} if request.target else None,
                timeout_s=request.timeout_s,
                queued_at=utcnow(),
                server_instance=self.instance,
                workflow_run_id=workflow_run_id,
                step_id=step_id,
                priority=placement.priority.value,
                tags=dict(placement.tags),
                attempts=[],
            ))
            self.queue.add(session, execution_id, request, placement)
        ahead = self.queue.active_count() - self.max_concurrent if self.execute_locally and not placement.tags else 0
        if ahead > 0:  # a platform message: why nothing happens yet
            self.queue.note(execution_id, PLATFORM, f"waiting for a free run slot: {ahead} run(s) ahead, "
                                                    f"{self.max_concurrent} at once on this server\n")
        self.queue.wake()
        log.info(json.dumps({"event": "execution_queued", "execution_id": execution_id, "script_id": script["id"],
                             "version": script["version"], "language": script["language"], "requested_by": caller.label}))
        return execution_id

    @staticmethod
    def require_adhoc_caller(caller: Caller) -> None:
        """Only an authenticated caller may run ad-hoc code (anyone could otherwise run any code)."""
        if not caller.authenticated:
            raise Unauthenticated("running ad-hoc code needs an authenticated user")

    def submit_adhoc(self, caller: Caller, body: AdhocBody, trigger: str = DEFAULT_TRIGGER) -> str:
        """Run content sent with the request, not a registry script.

        The content is stored as a blob and the record has no script, so only
        its requester or an admin can read or cancel it."""
        self.require_adhoc_caller(caller)
        # Ad-hoc content declares its parameters inline only; a bad block is a 400 at its line.
        declarations = effective_parameters([], body.content, get_language(body.language).line_comment)
        body, secret_files = _with_parameters(body, declarations)
        request = self._with_secrets(caller, self.policy.resolve(
            body.request(body.language, body.content, body.entry_point, secret_files=secret_files)))
        self._check_target(caller, request)
        script = {"id": None, "version": None, "language": request.language,
                  "content_sha256": self.registry.store_content(body.content)}
        return self._enqueue(caller, script, request, trigger, placement=Placement.of(body))

    # -- running here: the embedded executor's in-memory subscribers ---------------

    def _open_live(self, execution_id: str) -> None:
        live = _Live(chunks=self.queue.notes(execution_id))
        with self._live_guard:
            self._live[execution_id] = live
        self.watchers.tell("start", execution_id)

    def _publish(self, execution_id: str, stream: str, text: str) -> None:
        live = self._live.get(execution_id)
        if live is None:
            return
        with live.lock:
            live.chunks.append((stream, text))
            listeners = list(live.listeners)
        for listener in listeners:
            listener(stream, text)

    def _close_live(self, execution_id: str) -> None:
        """The run ended here and its record is final: listeners get "end", then the watchers."""
        with self._live_guard:
            live = self._live.pop(execution_id, None)
        if live is not None:
            with live.lock:
                live.closed = True
                listeners = list(live.listeners)
                live.listeners.clear()
            for listener in listeners:
                listener("end", "")
        self.watchers.tell("end", execution_id)

    # -- reading -------------------------------------------------------------------

    def _visible(self, session: Session, caller: Caller, execution_id: str) -> tuple[Execution, str | None, Access]:
        """The execution, its script's creator and what ``caller`` may see of it (NotFound: nothing)."""
        row = session.execute(
            select(Execution, Script.created_by, shared_with(caller)).outerjoin(Script, Script.id == Execution.script_id)
            .where(Execution.id == execution_id)
        ).first()
        level = access(caller, row[0].requested_by, row[1], bool(row[2])) if row else Access.NONE
        if level is Access.NONE:
            raise NotFound("no such execution")
        return row[0], row[1], level

    def get(self, caller: Caller, execution_id: str) -> dict:
        """The record; another user's run of the caller's script as a summary."""
        with self.sessions() as session:
            execution, _creator, level = self._visible(session, caller, execution_id)
            return _view(execution, level)

    def output(self, caller: Caller, execution_id: str) -> dict:
        """The whole record, for reading a run's output: only who may see all of it."""
        with self.sessions() as session:
            execution, _creator, level = self._visible(session, caller, execution_id)
            if level is not Access.FULL:
                raise Forbidden("the output of another user's run is theirs: you see its status, not its logs")
            return _view(execution, level)

    def list(self, caller: Caller, script_id: str | None = None, status: str | None = None,
             limit: int = DEFAULT_LIMIT, offset: int = 0, filters: ExecutionFilters | None = None) -> tuple[list[dict], int]:
        """One page of the executions the caller may see, newest first, and how many there are in all.

        Filtered, counted and paged in the database (indexes on requested_by
        and script_id with queued_at): two queries whatever the table holds."""
        page = Page.of(limit, offset)
        conditions = [listed_executions(caller), *(filters or ExecutionFilters()).conditions()]
        if script_id:
            conditions.append(Execution.script_id == script_id)
        if status:
            conditions.append(Execution.status == status)
        joined = (select(Execution, Script.created_by, shared_with(caller))
                  .outerjoin(Script, Script.id == Execution.script_id).where(*conditions))
        counted = (select(func.count()).select_from(Execution).outerjoin(Script, Script.id == Execution.script_id)
                   .where(*conditions))
        with self.sessions() as session:
            total = session.scalar(counted)
            rows = session.execute(joined.order_by(Execution.queued_at.desc(), Execution.id)
                                   .limit(page.limit).offset(page.offset))
            return [_view(execution, access(caller, execution.requested_by, creator, bool(shared)))
                    for execution, creator, shared in rows], total

    def cancel(self, caller: Caller, execution_id: str) -> dict:
        """Who started it, the script's creator or an admin may cancel a run."""
        with self.sessions() as session:
            execution, creator, _level = self._visible(session, caller, execution_id)
            allowed = caller.admin or (caller.authenticated and caller.name in (execution.requested_by, creator))
        if not caller.authenticated and not allowed:
            raise Unauthenticated("cancelling needs an authenticated user")
        if not allowed:
            raise Forbidden("only who started the execution, the script's creator or an admin may cancel it")
        # A queued run is cancelled now; a running one wherever it runs (its executor watches for it).
        self.queue.cancel(execution_id)
        return self.get(caller, execution_id)

    def subscribe(self, execution_id: str, listener: Listener) -> list[tuple[str, str]] | None:
        """Attach a listener; returns output so far, or None if already finished."""
        live = self._live.get(execution_id)
        if live is not None:
            with live.lock:
                if not live.closed:
                    live.listeners.append(listener)
                    return list(live.chunks)
        # Queued, or running elsewhere: its output comes through the database, from its start.
        return [] if self.queue.follow(execution_id, listener) else None

    def unsubscribe(self, execution_id: str, listener: Listener) -> None:
        live = self._live.get(execution_id)
        if live is not None:
            with live.lock:
                if listener in live.listeners:
                    live.listeners.remove(listener)
        self.queue.unfollow(execution_id, listener)

    async def wait(self, execution_id: str) -> None:
        """Wait (without blocking the event loop) until the execution ends."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def on_chunk(stream: str, _text: str) -> None:
            if stream == "end":
                loop.call_soon_threadsafe(lambda: done.done() or done.set_result(None))

        if self.subscribe(execution_id, on_chunk) is None:
            return
        await done

    def shutdown(self) -> None:
        """Runs in flight here end Cancelled; queued ones stay queued for the next executor."""
        self.queue.close()
        self.instances.close()


def _view(execution: Execution, level: Access) -> dict:
    record = ExecutionRecord.of(execution)
    return (record if level is Access.FULL else record.summary()).to_json()


def _with_parameters(body: Any, declarations: list) -> tuple[Any, tuple[str, ...]]:
    """The body with its arguments validated against ``declarations`` and
    normalized (defaults filled in), and the secrets its secret-typed
    parameters name: delivered to the run as /run/secrets/<name> files."""
    arguments = validate_arguments(declarations, body.arguments)
    body = body if arguments == body.arguments else body.model_copy(update={"arguments": arguments})
    return body, tuple(secret_names(declarations, arguments))
