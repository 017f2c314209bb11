"""The database tables of schedules (created by migration 0012)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class Schedule(Base):
    """A cron schedule of a script or a workflow, run as its owner."""

    __tablename__ = "schedules"
    __table_args__ = (Index("ix_schedules_due", "enabled", "next_fire_epoch"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    # The owner's teams and admin flag when they last saved it: who the runs are (re-checked at each fire).
    owner_teams: Mapped[list] = mapped_column(JSON, default=list)
    owner_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    target_kind: Mapped[str] = mapped_column(String(10))  # "script" or "workflow"
    target_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    # A script's arguments, or a workflow's inputs.
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    secrets: Mapped[dict] = mapped_column(JSON, default=dict)
    # A script's run options as its execute body names them: target, tags, priority, retry_on_executor_loss.
    run_options: Mapped[dict] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    overlap: Mapped[str] = mapped_column(String(10), default="skip")
    catch_up: Mapped[str] = mapped_column(String(10), default="none")
    notifications: Mapped[list] = mapped_column(JSON, default=list)
    # The next occurrence not yet handled, in Unix seconds (None: disabled). The claim:
    # a server handles occurrences only after moving this from the value it read.
    next_fire_epoch: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    paused_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ScheduleFire(Base):
    """One occurrence a server claimed: unique per (schedule, time), so it is handled once."""

    __tablename__ = "schedule_fires"
    __table_args__ = (UniqueConstraint("schedule_id", "fire_ms", name="ux_schedule_fires_occurrence"),
                      Index("ix_schedule_fires_schedule", "schedule_id", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_id: Mapped[str] = mapped_column(String(36))
    # When it was due, in Unix milliseconds (a cron occurrence: whole seconds; run-now: the moment asked).
    fire_ms: Mapped[int] = mapped_column(BigInteger)
    # starting (claimed, its run being started), started, skipped (overlap), queued (overlap: waiting),
    # error (could not start), paused (the owner lost access)
    outcome: Mapped[str] = mapped_column(String(20))
    catch_up: Mapped[bool] = mapped_column(Boolean, default=False)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    run_kind: Mapped[str | None] = mapped_column(String(10), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    server_instance: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
