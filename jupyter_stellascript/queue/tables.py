"""The durable queue's tables (created by migration 0011).

An accepted execution has a row in ``execution_queue`` from the moment it is
accepted until it ends; executors (the server's embedded one, or
``stellascript worker`` processes on any host) claim rows, hold them with a
lease they renew, and delete them when the run is stored. ``queue_workers``
lists the executors alive, ``execution_log_chunks`` carries live output from
wherever a run is to whoever follows it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class QueueEntry(Base):
    __tablename__ = "execution_queue"
    # Claiming reads the queued rows of the best priority, oldest first.
    __table_args__ = (Index("ix_execution_queue_claim", "state", "priority_rank", "id"),
                      Index("ix_execution_queue_worker", "worker_id", "state"))
    # First come, first served within a priority: the id is the arrival order.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")  # queued | claimed
    priority_rank: Mapped[int] = mapped_column(Integer, default=1)  # 0 high, 1 normal, 2 low
    # The ExecutionRequest as JSON (never a secret value), and the secrets it
    # was given, encrypted with the servers' secret key (workers share that file).
    request: Mapped[dict] = mapped_column(JSON)
    sealed_secrets: Mapped[str | None] = mapped_column(Text, nullable=True)
    tags: Mapped[dict] = mapped_column(JSON, default=dict)
    retry_on_executor_loss: Mapped[bool] = mapped_column(Boolean, default=False)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # No live worker with the tags by then: the execution ends Error no_worker.
    placement_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    worker_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class QueueTag(Base):
    """One tag an execution needs: only a worker having key=value may claim it."""

    __tablename__ = "execution_queue_tags"
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class QueueWorker(Base):
    """An executor: the server's embedded one or a ``stellascript worker``."""

    __tablename__ = "queue_workers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # embedded | worker
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    tags: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[str] = mapped_column(String(40))
    schema_version: Mapped[str] = mapped_column(String(40))
    # False: the database's schema is one this worker does not know; it claims nothing.
    claiming: Mapped[bool] = mapped_column(Boolean, default=True)
    engine: Mapped[str] = mapped_column(String(300), default="")
    concurrency: Mapped[int] = mapped_column(Integer)
    running: Mapped[int] = mapped_column(Integer, default=0)
    # Counters since it started: {claimed, succeeded, failed, ..., claim_to_start_ms_total}.
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class LogChunk(Base):
    """A piece of a running execution's output, in order (seq) per execution."""

    __tablename__ = "execution_log_chunks"
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
