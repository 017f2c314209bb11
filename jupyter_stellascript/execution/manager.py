"""ExecutionManager: persisted executions of registry scripts.

Each execution is a database record from the moment it is asked for
(Queued), through Running, to a terminal status. At most ``max_concurrent``
run at once; the rest wait in order of arrival. Output streams live to
subscribers while it runs and is stored with the record when it ends. A
server that dies mid-run leaves records that the next start closes with a
reason — none stays "Running" forever.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from .. import metrics
from ..db import Execution, Script, ScriptVersion, utcnow
from ..identity import Caller
from ..errors import Forbidden, NotFound, Unauthenticated, Unavailable
from ..registry.manager import ScriptRegistry
from ..languages import get_language
from ..secrets.manager import SecretManager
from ..secrets.masking import Masker
from ..paging import DEFAULT_LIMIT, Page
from ..parameters import declarations_of, secret_names, validate_arguments
from ..parameters.merge import effective_parameters
from ..targets.selection import TargetUnavailable
from .backend import BackendNotReady, ExecutionBackend
from .fields import InvalidRequest
from .instances import ServerInstances
from .models import ExecutionRequest, ExecutionResult, ExecutionStatus
from .policy import RunPolicy
from .records import ExecutionRecord
from .requests import AdhocBody, ExecuteBody
from .filters import DEFAULT_TRIGGER, ExecutionFilters
from .output_log import PLATFORM, OutputLog
from .sharing import ExecutionSharing
from .visibility import Access, access, listed_executions, shared_with

log = logging.getLogger(__name__)

Listener = Callable[[str, str], None]  # (stream name, text); stream "end" closes
# (event, execution id): "start" when a run starts, "end" once its record is final.
# Called in the run's worker thread: a watcher must hand anything slow to its own thread.
RunWatcher = Callable[[str, str], None]


@dataclass
class _Live:
    """An execution that has not finished: its output so far and listeners."""

    cancelled: threading.Event = field(default_factory=threading.Event)
    chunks: list[tuple[str, str]] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False  # set under lock once "end" has gone out; no listener may join after
    # Output arrives in pieces that may end inside a UTF-8 character.
    decoders: dict[str, codecs.IncrementalDecoder] = field(default_factory=dict)
    # The order stdout and stderr came in, and the platform's messages (stored with the record).
    log: OutputLog = field(default_factory=OutputLog)

    def decode(self, stream: str, data: bytes, final: bool = False) -> str:
        decoder = self.decoders.get(stream)
        if decoder is None:
            decoder = self.decoders[stream] = codecs.getincrementaldecoder("utf-8")(errors="replace")
        return decoder.decode(data, final)


class ExecutionManager:
    def __init__(
        self,
        sessions: sessionmaker,
        registry: ScriptRegistry,
        backend: ExecutionBackend,
        policy: RunPolicy,
        max_concurrent: int = 10,
        secrets: SecretManager | None = None,
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
        self._workers = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="stellascript-run")
        self._live: dict[str, _Live] = {}
        self._live_guard = threading.Lock()
        self.watchers: list[RunWatcher] = []

    def _tell_watchers(self, event: str, execution_id: str) -> None:
        for watcher in list(self.watchers):
            try:
                watcher(event, execution_id)
            except Exception:  # a watcher's bug must not touch the run
                log.exception("a run watcher failed on %s of %s", event, execution_id)

    # -- start-up ----------------------------------------------------------------

    def recover(self) -> int:
        """Close records left open by servers that are gone; returns how many.

        Runs at start-up and then with every heartbeat, so executions of a
        peer that died (sharing a PostgreSQL database) are closed too, while
        those of live peers are left alone.
        """
        live = self.instances.live_ids()
        with self.sessions() as session, session.begin():
            result = session.execute(
                update(Execution)
                .where(Execution.status.in_([ExecutionStatus.QUEUED.value, ExecutionStatus.RUNNING.value]))
                .where(Execution.server_instance.not_in(live))
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
        return self._enqueue(caller, script, self._with_secrets(caller, request), trigger, workflow_step, trigger_id)

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
                 workflow_step: tuple[str, str] | None = None, trigger_id: str | None = None) -> str:
        execution_id = str(uuid.uuid4())
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
            ))
        with self._live_guard:
            self._live[execution_id] = _Live()
            ahead = len(self._live) - self.max_concurrent
        if ahead > 0:  # a platform message: why nothing happens yet
            self._publish(execution_id, PLATFORM, f"waiting for a free run slot: {ahead} run(s) ahead, "
                                                  f"{self.max_concurrent} at once on this server\n".encode())
        metrics.EXECUTIONS_QUEUED.inc()
        self._workers.submit(self._run, execution_id, request)
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
        return self._enqueue(caller, script, request, trigger)

    # -- running -------------------------------------------------------------------

    def _run(self, execution_id: str, request: ExecutionRequest) -> None:
        metrics.EXECUTIONS_QUEUED.dec()
        metrics.EXECUTIONS_RUNNING.inc()
        try:
            self._run_queued(execution_id, request)
        finally:
            metrics.EXECUTIONS_RUNNING.dec()
            self._tell_watchers("end", execution_id)

    def _run_queued(self, execution_id: str, request: ExecutionRequest) -> None:
        live = self._live[execution_id]
        if live.cancelled.is_set():
            self._store(execution_id, status=ExecutionStatus.CANCELLED.value, termination_reason="cancelled", completed_at=utcnow())
            self._close_live(execution_id)
            return
        self._store(execution_id, status=ExecutionStatus.RUNNING.value, started_at=utcnow())
        self._tell_watchers("start", execution_id)
        # The engine masks what the run writes; messages made here are masked too.
        masked = Masker(secret.value for secret in request.delivered_secrets).text
        try:
            result = self.backend.execute(request, on_output=lambda stream, data: self._publish(execution_id, stream, data),
                                          cancelled=live.cancelled,
                                          on_progress=lambda line: self._publish(execution_id, PLATFORM, f"{line}\n".encode()))
            self._store_result(execution_id, result)
            if result.dependency_lock and request.dependency_lock != result.dependency_lock:
                self._save_lock(execution_id, result.dependency_lock)
        except InvalidRequest as error:
            self._store(execution_id, status=ExecutionStatus.ERROR.value, error=masked(str(error)), completed_at=utcnow())
        except Exception as error:  # a broken or unavailable backend must not leave a record Running
            # The traceback only when no secret value can be in it.
            log.error("execution %s failed in the engine: %s", execution_id, masked(f"{type(error).__name__}: {error}"),
                      exc_info=not request.delivered_secrets)
            self._store(execution_id, status=ExecutionStatus.ERROR.value, error=masked(f"engine failure: {error}"),
                        termination_reason="engine_error", completed_at=utcnow())
        finally:
            self._close_live(execution_id)

    def _publish(self, execution_id: str, stream: str, data: bytes) -> None:
        live = self._live.get(execution_id)
        if live is None:
            return
        with live.lock:
            text = live.decode(stream, data)
            if not text or not live.log.add(stream, text):
                return
            live.chunks.append((stream, text))
            listeners = list(live.listeners)
        for listener in listeners:
            listener(stream, text)

    def _close_live(self, execution_id: str) -> None:
        with self._live_guard:
            live = self._live.pop(execution_id, None)
        if live is None:
            return
        with live.lock:
            live.closed = True
            # An incomplete character at the very end: the stored text has U+FFFD there too.
            rest = [(stream, live.decode(stream, b"", final=True)) for stream in list(live.decoders)]
            listeners = list(live.listeners)
            live.listeners.clear()
        for listener in listeners:
            for stream, text in rest:
                if text:
                    listener(stream, text)
            listener("end", "")

    def _store(self, execution_id: str, **values: Any) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(Execution).where(Execution.id == execution_id).values(**values))

    def _save_lock(self, execution_id: str, lock: dict) -> None:
        """Save the lock with the script version the first time it is resolved
        (a concurrent first run may have saved one already: that one stays)."""
        with self.sessions() as session, session.begin():
            execution = session.get(Execution, execution_id)
            if execution is None or execution.script_id is None:
                return
            session.execute(
                update(ScriptVersion)
                .where(ScriptVersion.script_id == execution.script_id, ScriptVersion.version == execution.script_version)
                .where(ScriptVersion.dependency_lock.is_(None))
                .values(dependency_lock=lock)
            )

    def _store_result(self, execution_id: str, result: ExecutionResult) -> None:
        metrics.record_execution(result)
        log.info(json.dumps({
            "event": "execution_finished", "execution_id": execution_id, "language": result.language,
            "status": result.status.value, "exit_code": result.exit_code, "duration_ms": result.duration_ms,
            "pooled": result.pooled, "compile_cache_hit": result.compile_cache_hit,
            "termination_reason": result.termination_reason.value if result.termination_reason else None,
        }))
        live = self._live.get(execution_id)
        self._store(
            execution_id,
            **(live.log.stored() if live is not None else {}),
            status=result.status.value,
            exit_code=result.exit_code,
            stdout=result.stdout,
            stderr=result.stderr,
            stdout_truncated=result.stdout_truncated,
            stderr_truncated=result.stderr_truncated,
            compile_cache_hit=result.compile_cache_hit,
            peak_memory_bytes=result.peak_memory_bytes,
            termination_reason=result.termination_reason.value if result.termination_reason else None,
            error=result.error,
            image=result.image,
            image_id=result.image_id,
            dependency_lock_sha256=result.dependency_lock_sha256,
            limits=result.limits.to_dict() if result.limits else None,
            started_at=result.started_at,
            completed_at=result.completed_at,
            duration_ms=result.duration_ms,
            outputs=result.outputs,
            **({"target": result.target} if result.target else {}),
        )

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
        live = self._live.get(execution_id)
        if live is not None:
            live.cancelled.set()
            # A queued run is cancelled now, not when a slot frees up; its
            # worker sees the flag and does not start it.
            with self.sessions() as session, session.begin():
                session.execute(
                    update(Execution)
                    .where(Execution.id == execution_id, Execution.status == ExecutionStatus.QUEUED.value)
                    .values(status=ExecutionStatus.CANCELLED.value, termination_reason="cancelled", completed_at=utcnow())
                )
        return self.get(caller, execution_id)

    def subscribe(self, execution_id: str, listener: Listener) -> list[tuple[str, str]] | None:
        """Attach a listener; returns output so far, or None if already finished."""
        live = self._live.get(execution_id)
        if live is None:
            return None
        with live.lock:
            if live.closed:  # it ended between the look-up and the lock: "end" would never come
                return None
            live.listeners.append(listener)
            return list(live.chunks)

    def unsubscribe(self, execution_id: str, listener: Listener) -> None:
        live = self._live.get(execution_id)
        if live is not None:
            with live.lock:
                if listener in live.listeners:
                    live.listeners.remove(listener)

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
        for live in list(self._live.values()):
            live.cancelled.set()
        self._workers.shutdown(wait=True, cancel_futures=False)
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
