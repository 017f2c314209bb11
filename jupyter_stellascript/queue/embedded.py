"""EmbeddedQueue: the queue as one server holds it.

What the execution manager needs of the queue, in one place: accepting a run
(in the transaction of its record), the embedded executor that claims runs
when execution is local (``c.StellaScript.execute_locally``), cancels, and
following the output of runs that are queued or run elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from ..db import Execution
from ..execution.backend import ExecutionBackend
from ..execution.models import ExecutionRequest, ExecutionStatus
from ..secrets.crypto import SecretCipher
from . import metrics as queue_metrics
from .executor import Executor, ExecutorIdentity
from .logs import Listener, LogFollower, write_chunk
from .manager import ExecutionQueue
from .models import Placement
from .sealing import seal
from .tables import LogChunk, QueueEntry
from .workers import WorkerRegistry

# How long a claim holds without a renewal (renewed every second), and so how
# long an executor on another host may be silent before its runs are lost.
LEASE_ENV = "STELLASCRIPT_QUEUE_LEASE"
DEFAULT_LEASE_S = 30.0


def lease_seconds() -> float:
    return float(os.environ.get(LEASE_ENV) or DEFAULT_LEASE_S)


class EmbeddedQueue:
    def __init__(self, sessions: sessionmaker, backend: ExecutionBackend, instance_id: str, cipher: SecretCipher | None,
                 concurrency: int, placement_timeout_s: float | None,
                 on_start: Callable[[str], None], on_text: Callable[[str, str, str], None],
                 on_end: Callable[[str], None]) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.placement_timeout_s = placement_timeout_s
        self.queue = ExecutionQueue(sessions, lease_seconds())
        self.workers = WorkerRegistry(sessions, stale_after_s=lease_seconds())
        self.executor = Executor(sessions, self.queue, self.workers, backend,
                                 ExecutorIdentity(instance_id, "embedded", {}, concurrency, "local"), cipher,
                                 on_start=on_start, on_text=on_text, on_end=on_end).start()
        self.follower = LogFollower(sessions)
        queue_metrics.publish(self.workers, self.queued_count)

    # -- accepting --------------------------------------------------------------------

    def add(self, session: Session, execution_id: str, request: ExecutionRequest, placement: Placement) -> None:
        self.queue.add(session, execution_id, request, placement, seal(self.cipher, request.delivered_secrets),
                       self.placement_timeout_s)

    def not_queued(self):
        """A condition on Execution: it has no queue row (records from before the queue, or whose row is gone)."""
        return ~exists(select(QueueEntry.id).where(QueueEntry.execution_id == Execution.id))

    def queued_count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(QueueEntry).where(QueueEntry.state == "queued")) or 0

    def active_count(self) -> int:
        return self.queue.active_count()

    def note(self, execution_id: str, stream: str, text: str) -> None:
        """A platform message before the run starts (stored as its first live chunk)."""
        write_chunk(self.sessions, execution_id, stream, text)

    def notes(self, execution_id: str) -> list[tuple[str, str]]:
        with self.sessions() as session:
            return [(stream, text) for stream, text in session.execute(
                select(LogChunk.stream, LogChunk.text).where(LogChunk.execution_id == execution_id).order_by(LogChunk.seq))]

    def reap(self) -> None:
        self.executor.reap()

    def wake(self) -> None:
        self.executor.wake()

    # -- cancelling and following ---------------------------------------------------------

    def cancel(self, execution_id: str) -> None:
        self.executor.cancel_local(execution_id)
        self.queue.cancel(execution_id)

    def follow(self, execution_id: str, listener: Listener) -> bool:
        """Follow it through the database; False: it has ended (or does not exist)."""
        with self.sessions() as session:
            status = session.scalar(select(Execution.status).where(Execution.id == execution_id))
        if status is None or ExecutionStatus(status).is_terminal:
            return False
        self.follower.follow(execution_id, listener)
        return True

    def unfollow(self, execution_id: str, listener: Listener) -> None:
        self.follower.unfollow(execution_id, listener)

    def close(self) -> None:
        self.executor.close()
        self.follower.close()
