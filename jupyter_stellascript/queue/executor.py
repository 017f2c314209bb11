"""Executor: claims queued executions, runs them on a backend, stores the results.

One class serves the server's embedded executor and ``stellascript worker``:
it registers itself, beats, renews the leases of what it runs, watches for
cancels of its runs, and reaps what executors that are gone left behind.
Output is written as live chunks (queue/logs.py) and handed to ``on_text``
(the embedded executor's in-memory subscribers).
"""

from __future__ import annotations

import codecs
import logging
import statistics
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from .. import metrics
from ..db import utcnow
from ..execution.backend import ExecutionBackend
from ..execution.fields import InvalidRequest
from ..execution.models import ExecutionStatus
from ..execution.output_log import PLATFORM, OutputLog
from ..secrets.crypto import SecretCipher
from ..secrets.masking import Masker
from .logs import ChunkWriter
from .manager import Claim, ExecutionQueue
from .results import save_lock, store_outcome, store_result
from .sealing import request_of, unseal
from .tables import LogChunk
from .workers import WorkerRegistry, database_schema, known_schema

log = logging.getLogger(__name__)

TextHook = Callable[[str, str, str], None]  # (execution id, stream, text)
CANCEL_CHECK_S = 0.25
BEAT_S = 1.0
SCHEMA_CHECK_S = 10.0


@dataclass
class _Run:
    cancelled: threading.Event = field(default_factory=threading.Event)
    decoders: dict[str, codecs.IncrementalDecoder] = field(default_factory=dict)
    log: OutputLog = field(default_factory=OutputLog)

    def decode(self, stream: str, data: bytes, final: bool = False) -> str:
        decoder = self.decoders.get(stream)
        if decoder is None:  # output may end inside a UTF-8 character
            decoder = self.decoders[stream] = codecs.getincrementaldecoder("utf-8")(errors="replace")
        return decoder.decode(data, final)


@dataclass(frozen=True)
class ExecutorIdentity:
    id: str
    kind: str  # embedded | worker
    tags: dict[str, str]
    concurrency: int
    engine: str = ""


class Executor:
    def __init__(self, sessions: sessionmaker, queue: ExecutionQueue, workers: WorkerRegistry, backend: ExecutionBackend,
                 identity: ExecutorIdentity, cipher: SecretCipher | None, poll_s: float = 0.1,
                 on_start: Callable[[str], None] | None = None,
                 on_text: TextHook | None = None, on_end: Callable[[str], None] | None = None) -> None:
        self.sessions, self.queue, self.workers, self.backend = sessions, queue, workers, backend
        self.identity, self.cipher, self.poll_s = identity, cipher, poll_s
        self.on_start, self.on_text, self.on_end = on_start, on_text, on_end
        self.writer = ChunkWriter(sessions)
        self._runs: dict[str, _Run] = {}
        self._runs_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._counts: Counter = Counter()
        self._claim_to_start_ms: deque[float] = deque(maxlen=500)
        self.claiming = self._schema_matches()
        self._pool = ThreadPoolExecutor(max_workers=max(1, identity.concurrency), thread_name_prefix="stellascript-run")
        self._threads: list[threading.Thread] = []

    def start(self) -> Executor:
        if self.identity.concurrency > 0:
            self.workers.register(self.identity.id, self.identity.kind, self.identity.tags, self.identity.engine,
                                  self.identity.concurrency, self.claiming)
            self._threads.append(threading.Thread(target=self._claim_loop, name="stellascript-claim", daemon=True))
        self._threads.append(threading.Thread(target=self._beat_loop, name="stellascript-queue-beat", daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def wake(self) -> None:
        """Something was queued here: look now rather than at the next poll."""
        self._wake.set()

    # -- schema -----------------------------------------------------------------------

    def _schema_matches(self) -> bool:
        found, known = database_schema(self.sessions), known_schema()
        if found != known:
            log.error("the database's schema is at revision %r, this %s knows %r: claiming nothing until they match "
                      "(upgrade this %s, or the database)", found, self.identity.kind, known, self.identity.kind)
            return False
        return True

    # -- claiming and running -------------------------------------------------------

    def running(self) -> int:
        with self._runs_lock:
            return len(self._runs)

    def _claim_loop(self) -> None:
        while not self._stop.is_set():
            free = self.identity.concurrency - self.running()
            claims: list[Claim] = []
            if free > 0 and self.claiming:
                try:
                    claims = self.queue.claim(self.identity.id, self.identity.tags, free)
                except SQLAlchemyError as error:  # the database is away: try again at the next poll
                    log.warning("claiming failed: %s", error)
            for claim in claims:
                with self._runs_lock:
                    self._runs[claim.execution_id] = _Run()
                self._counts["claimed"] += 1
                self._pool.submit(self._run, claim)
            if not claims or len(claims) == free:
                self._wake.wait(self.poll_s)
                self._wake.clear()

    def _run(self, claim: Claim) -> None:
        execution_id = claim.execution_id
        run = self._runs[execution_id]
        metrics.EXECUTIONS_RUNNING.inc()
        try:
            self.writer.begin(execution_id)
            for stream, text in self._notes(execution_id):  # said while it waited: stored with the record too
                run.log.add(stream, text)
            if self.on_start is not None:
                self.on_start(execution_id)
            self._claim_to_start_ms.append((utcnow() - claim.claimed_at).total_seconds() * 1000)
            self._execute(claim, run)
        except Exception as error:  # noqa: BLE001 - whatever happens, the record must not stay Running
            log.error("execution %s could not be run: %s", execution_id, error)
            self._store_safely(execution_id, "engine_error", status=ExecutionStatus.ERROR.value,
                               error=f"engine failure: {error}", termination_reason="engine_error", completed_at=utcnow())
        finally:
            with self._runs_lock:
                self._runs.pop(execution_id, None)
            metrics.EXECUTIONS_RUNNING.dec()
            if self.on_end is not None:
                self.on_end(execution_id)
            self._wake.set()  # a slot is free

    def _execute(self, claim: Claim, run: _Run) -> None:
        execution_id = claim.execution_id
        request = request_of(claim.request, unseal(self.cipher, claim.sealed_secrets))
        masked = Masker(secret.value for secret in request.delivered_secrets).text

        def publish(stream: str, data: bytes) -> None:
            text = run.decode(stream, data)
            if text and run.log.add(stream, text):
                self._emit(execution_id, stream, text)

        try:
            result = self.backend.execute(request, on_output=publish, cancelled=run.cancelled,
                                          on_progress=lambda line: publish(PLATFORM, f"{line}\n".encode()))
        except InvalidRequest as error:
            self._finish_output(execution_id, run)
            self._counts["error"] += 1
            store_outcome(self.queue, execution_id, ExecutionStatus.ERROR.value, **run.log.stored(),
                          status=ExecutionStatus.ERROR.value, error=masked(str(error)), completed_at=utcnow())
            return
        except Exception as error:  # a broken or unavailable backend must not leave a record Running
            log.error("execution %s failed in the engine: %s", execution_id, masked(f"{type(error).__name__}: {error}"),
                      exc_info=not request.delivered_secrets)
            self._finish_output(execution_id, run)
            self._counts["error"] += 1
            store_outcome(self.queue, execution_id, "engine_error", **run.log.stored(), status=ExecutionStatus.ERROR.value,
                          error=masked(f"engine failure: {error}"), termination_reason="engine_error", completed_at=utcnow())
            return
        self._finish_output(execution_id, run)
        self._counts[result.status.value] += 1
        store_result(self.queue, execution_id, result, run.log.stored(), self.identity.id)
        if result.dependency_lock and request.dependency_lock != result.dependency_lock:
            save_lock(self.queue, execution_id, result.dependency_lock)

    def _notes(self, execution_id: str) -> list[tuple[str, str]]:
        with self.sessions() as session:
            return list(session.execute(select(LogChunk.stream, LogChunk.text).where(
                LogChunk.execution_id == execution_id, LogChunk.stream == PLATFORM).order_by(LogChunk.seq)))

    def _emit(self, execution_id: str, stream: str, text: str) -> None:
        self.writer.add(execution_id, stream, text)
        if self.on_text is not None:
            self.on_text(execution_id, stream, text)

    def _finish_output(self, execution_id: str, run: _Run) -> None:
        """An incomplete character at the very end: the stored text has U+FFFD there too."""
        for stream in list(run.decoders):
            rest = run.decode(stream, b"", final=True)
            if rest:
                self._emit(execution_id, stream, rest)
        self.writer.end(execution_id)  # every chunk is written before the record is terminal

    def _store_safely(self, execution_id: str, outcome: str, **values) -> None:
        try:
            store_outcome(self.queue, execution_id, outcome, **values)
        except SQLAlchemyError as error:  # the lease lapses and a reaper closes it
            log.error("could not store the outcome of %s: %s", execution_id, error)

    def cancel_local(self, execution_id: str) -> bool:
        with self._runs_lock:
            run = self._runs.get(execution_id)
        if run is not None:
            run.cancelled.set()
        return run is not None

    # -- heartbeat: leases, cancels, reaping ------------------------------------------

    def metrics(self) -> dict:
        samples = sorted(self._claim_to_start_ms)
        counts = dict(self._counts)
        if samples:
            counts["claim_to_start_ms_p50"] = round(statistics.median(samples), 2)
            counts["claim_to_start_ms_p95"] = round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2)
        return counts

    def _beat_loop(self) -> None:
        next_beat = next_schema = 0.0
        while not self._stop.wait(CANCEL_CHECK_S):
            try:
                if self.running():
                    for execution_id in self.queue.cancels_for(self.identity.id):
                        self.cancel_local(execution_id)
                now = time.monotonic()
                if now >= next_schema and self.identity.concurrency > 0:
                    next_schema = now + SCHEMA_CHECK_S
                    self.claiming = self._schema_matches()
                if now >= next_beat:
                    next_beat = now + BEAT_S
                    self._beat()
            except SQLAlchemyError as error:  # a database blip: beat again next time
                log.warning("queue heartbeat failed: %s", error)

    def _beat(self) -> None:
        if self.identity.concurrency > 0:
            self.queue.renew(self.identity.id)
            self.workers.beat(self.identity.id, self.running(), self.metrics(), self.claiming)
        self.reap()

    def reap(self) -> None:
        """Close or requeue the runs of executors that are gone, and end those no live worker can take."""
        live = self.workers.live()
        lost, unplaced = self.queue.reap({row.id for row in live} | ({self.identity.id} if self.identity.concurrency else set()),
                                         [row.tags or {} for row in live if row.claiming])
        if lost or unplaced:
            log.warning("queue: %d run(s) of executors that are gone closed or requeued, %d with no worker for their tags",
                        lost, unplaced)

    def close(self) -> None:
        """Stop claiming; runs in flight are cancelled (and stored so); queued ones stay queued."""
        self._stop.set()
        self._wake.set()
        with self._runs_lock:
            for run in self._runs.values():
                run.cancelled.set()
        self._pool.shutdown(wait=True, cancel_futures=False)
        for thread in self._threads:
            thread.join(timeout=10)
        self.writer.close()
        if self.identity.concurrency > 0:
            self.workers.unregister(self.identity.id)
