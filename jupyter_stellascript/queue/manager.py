"""ExecutionQueue: the durable queue's operations on the database.

The same code serves the server's embedded executor and ``stellascript
worker`` processes on other hosts. Claiming takes the queued rows of the best
priority, oldest first, whose tags the executor has: on PostgreSQL the
candidates are locked with ``FOR UPDATE SKIP LOCKED`` (executors never wait on
each other's rows), and on SQLite, which serializes writers, a conditional
``UPDATE … WHERE state = 'queued'`` that only one executor can win does the
same on one host. A claim is a lease the executor renews; a claim whose lease
lapsed, or whose executor's process is gone, is lost: the run ends Error
``executor_lost``, or is queued again once when it asked for that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, func, not_, or_, select, true, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import Execution, as_utc, utcnow
from ..execution.models import ExecutionRequest, ExecutionStatus
from .models import Placement, tags_text
from .tables import LogChunk, QueueEntry, QueueTag

log = logging.getLogger(__name__)

QUEUED, CLAIMED = "queued", "claimed"


@dataclass(frozen=True)
class Claim:
    execution_id: str
    request: dict
    sealed_secrets: str | None
    attempt: int
    claimed_at: datetime
    queued_at: datetime


class ExecutionQueue:
    def __init__(self, sessions: sessionmaker, lease_s: float) -> None:
        self.sessions = sessions
        self.lease = timedelta(seconds=lease_s)
        self.postgres = sessions.kw["bind"].dialect.name == "postgresql"

    # -- accepting -----------------------------------------------------------------

    def add(self, session: Session, execution_id: str, request: ExecutionRequest, placement: Placement,
            sealed_secrets: str | None, placement_timeout_s: float | None) -> None:
        """Queue it in the caller's transaction: the record and its queue row are written together."""
        now = utcnow()
        session.add(QueueEntry(
            execution_id=execution_id, state=QUEUED, priority_rank=placement.priority.rank,
            request=request.model_dump(mode="json"), sealed_secrets=sealed_secrets, tags=dict(placement.tags),
            retry_on_executor_loss=placement.retry_on_executor_loss, attempt=0, cancel_requested=False, enqueued_at=now,
            placement_deadline=now + timedelta(seconds=placement_timeout_s) if placement_timeout_s else None,
        ))
        for key, value in placement.tags.items():
            session.add(QueueTag(execution_id=execution_id, key=key, value=value))

    def active_count(self) -> int:
        """Queued and claimed rows: what is ahead of a new arrival, the running included."""
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(QueueEntry)) or 0

    def is_queued(self, execution_id: str) -> bool:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(QueueEntry)
                                  .where(QueueEntry.execution_id == execution_id)) > 0

    # -- claiming ------------------------------------------------------------------

    def claim(self, executor_id: str, tags: dict[str, str], limit: int) -> list[Claim]:
        """Up to ``limit`` queued executions this executor may run, now marked Running and leased to it."""
        if limit <= 0:
            return []
        # A row is ours to take when none of its tags is missing from ours.
        missing = select(QueueTag.execution_id).where(QueueTag.execution_id == QueueEntry.execution_id)
        if tags:
            missing = missing.where(not_(or_(*[and_(QueueTag.key == key, QueueTag.value == value)
                                               for key, value in tags.items()])))
        candidates = (select(QueueEntry.id).where(QueueEntry.state == QUEUED, QueueEntry.cancel_requested.is_(False),
                                                  ~exists(missing))
                      .order_by(QueueEntry.priority_rank, QueueEntry.id).limit(limit))
        if self.postgres:
            candidates = candidates.with_for_update(skip_locked=True)
        claims: list[Claim] = []
        with self.sessions() as session, session.begin():
            now = utcnow()
            for entry_id in session.scalars(candidates).all():
                # On SQLite this conditional update is the lock: one executor wins a row.
                won = session.execute(update(QueueEntry).where(QueueEntry.id == entry_id, QueueEntry.state == QUEUED)
                                      .values(state=CLAIMED, worker_id=executor_id, claimed_at=now,
                                              lease_expires_at=now + self.lease, attempt=QueueEntry.attempt + 1))
                if not won.rowcount:
                    continue
                entry = session.get(QueueEntry, entry_id)
                execution = session.get(Execution, entry.execution_id)
                attempts = list(execution.attempts or [])
                attempts.append({"attempt": entry.attempt, "worker_id": executor_id, "claimed_at": now.isoformat(),
                                 "ended_at": None, "outcome": None})
                execution.status, execution.started_at = ExecutionStatus.RUNNING.value, now
                execution.worker_id, execution.attempts = executor_id, attempts
                claims.append(Claim(entry.execution_id, entry.request, entry.sealed_secrets, entry.attempt, now,
                                    as_utc(execution.queued_at)))
        return claims

    def renew(self, executor_id: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(QueueEntry).where(QueueEntry.worker_id == executor_id, QueueEntry.state == CLAIMED)
                            .values(lease_expires_at=utcnow() + self.lease))

    def cancels_for(self, executor_id: str) -> set[str]:
        """Which of this executor's runs someone asked to cancel."""
        with self.sessions() as session:
            return set(session.scalars(select(QueueEntry.execution_id).where(
                QueueEntry.worker_id == executor_id, QueueEntry.state == CLAIMED, QueueEntry.cancel_requested.is_(True))))

    def finish(self, session: Session, execution_id: str, outcome: str) -> None:
        """In the transaction that stores the result: the row goes, the attempt is closed."""
        session.execute(delete(QueueEntry).where(QueueEntry.execution_id == execution_id))
        session.execute(delete(QueueTag).where(QueueTag.execution_id == execution_id))
        execution = session.get(Execution, execution_id)
        if execution is not None and execution.attempts:
            attempts = [dict(item) for item in execution.attempts]
            attempts[-1].update(ended_at=utcnow().isoformat(), outcome=outcome)
            execution.attempts = attempts

    # -- cancelling ------------------------------------------------------------------

    def cancel(self, execution_id: str) -> bool:
        """Cancel a queued run now, or ask its executor to stop it; False: it is not in the queue."""
        with self.sessions() as session, session.begin():
            dropped = session.execute(delete(QueueEntry).where(QueueEntry.execution_id == execution_id,
                                                               QueueEntry.state == QUEUED))
            if dropped.rowcount:
                session.execute(delete(QueueTag).where(QueueTag.execution_id == execution_id))
                session.execute(update(Execution).where(Execution.id == execution_id,
                                                        Execution.status == ExecutionStatus.QUEUED.value)
                                .values(status=ExecutionStatus.CANCELLED.value, termination_reason="cancelled",
                                        completed_at=utcnow()))
                return True
            asked = session.execute(update(QueueEntry).where(QueueEntry.execution_id == execution_id)
                                    .values(cancel_requested=True))
            return bool(asked.rowcount)

    # -- executors that are gone, and runs no one can take -----------------------------

    def reap(self, live_executors: set[str], live_tags: list[dict[str, str]]) -> tuple[int, int]:
        """Close (or requeue once) the claims of executors that are gone, and end
        queued runs no live worker can take by their deadline; (lost, unplaced)."""
        now = utcnow()
        lost = unplaced = 0
        with self.sessions() as session, session.begin():
            stale = select(QueueEntry).where(QueueEntry.state == CLAIMED).where(
                or_(QueueEntry.lease_expires_at < now, QueueEntry.worker_id.not_in(live_executors) if live_executors else true()))
            if self.postgres:
                stale = stale.with_for_update(skip_locked=True)
            for entry in session.scalars(stale).all():
                lost += 1
                self._lose(session, entry, now)
            overdue = select(QueueEntry).where(QueueEntry.state == QUEUED, QueueEntry.placement_deadline < now)
            if self.postgres:
                overdue = overdue.with_for_update(skip_locked=True)
            for entry in session.scalars(overdue).all():
                if any(all(tags.get(key) == value for key, value in (entry.tags or {}).items()) for tags in live_tags):
                    continue  # a worker that can take it is alive, only busy
                unplaced += 1
                session.execute(delete(QueueEntry).where(QueueEntry.id == entry.id))
                session.execute(delete(QueueTag).where(QueueTag.execution_id == entry.execution_id))
                session.execute(update(Execution).where(Execution.id == entry.execution_id).values(
                    status=ExecutionStatus.ERROR.value, termination_reason="no_worker", completed_at=now,
                    error=f"no live worker has the tags {tags_text(entry.tags or {})}: nothing could run it "
                          f"within the placement timeout"))
            # Live output of runs that ended a while ago: the record holds it now.
            session.execute(delete(LogChunk).where(LogChunk.created_at < now - timedelta(minutes=10),
                                                   ~exists(select(QueueEntry.id).where(QueueEntry.execution_id == LogChunk.execution_id))))
        return lost, unplaced

    def _lose(self, session: Session, entry: QueueEntry, now: datetime) -> None:
        execution = session.get(Execution, entry.execution_id)
        attempts = [dict(item) for item in (execution.attempts or [])] if execution is not None else []
        if attempts:
            attempts[-1].update(ended_at=now.isoformat(), outcome="executor_lost")
        worker = entry.worker_id
        if entry.retry_on_executor_loss and entry.attempt < 2 and not entry.cancel_requested:
            log.warning("executor %s is gone; execution %s is queued again (attempt %d)", worker, entry.execution_id, entry.attempt + 1)
            entry.state, entry.worker_id, entry.claimed_at, entry.lease_expires_at = QUEUED, None, None, None
            if entry.placement_deadline is not None:  # placed afresh: the same time to find a worker again
                entry.placement_deadline = now + (as_utc(entry.placement_deadline) - as_utc(entry.enqueued_at))
            if execution is not None:
                execution.status, execution.started_at, execution.worker_id = ExecutionStatus.QUEUED.value, None, None
                execution.attempts = attempts
            return
        log.warning("executor %s is gone; execution %s ends executor_lost", worker, entry.execution_id)
        session.execute(delete(QueueEntry).where(QueueEntry.id == entry.id))
        session.execute(delete(QueueTag).where(QueueTag.execution_id == entry.execution_id))
        if execution is not None:
            execution.status, execution.termination_reason, execution.completed_at = (
                ExecutionStatus.ERROR.value, "executor_lost", now)
            execution.error = (f"the executor running it ({worker}) stopped before it finished"
                               + ("; it had been retried once already" if entry.retry_on_executor_loss else ""))
            execution.attempts = attempts
