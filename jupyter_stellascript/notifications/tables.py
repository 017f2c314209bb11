"""The database tables of notifications (created by migration 0012; 0015 made deliveries resumable)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow


class NotificationSettings(Base):
    """The notifications of a script or a workflow (a schedule keeps its own on its row)."""

    __tablename__ = "notification_settings"
    source_kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # "script" or "workflow"
    source_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))  # whoever set them: handler runs and secrets are theirs
    owner_teams: Mapped[list] = mapped_column(JSON, default=list)
    rules: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NotificationState(Base):
    """How the last finished run of a source ended ("success" or "failure"): recovery is a
    compare-and-set from failure to success, so it is told once even across servers."""

    __tablename__ = "notification_states"
    source_kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # script, workflow or schedule
    source_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    last_outcome: Mapped[str] = mapped_column(String(10))


class NotificationDelivery(Base):
    """One notification sent (or being sent): never a secret's value (URLs and errors are masked)."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_owner", "owner", "id"),
                      Index("ix_notification_deliveries_pending", "status", "lease_until"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(200))
    source_kind: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(10))  # failure, recovery, success, start
    run_kind: Mapped[str] = mapped_column(String(10))  # execution or workflow_run
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # webhook or run
    target: Mapped[str] = mapped_column(Text)  # the masked URL, or the handler's reference
    format: Mapped[str | None] = mapped_column(String(10), nullable=True)
    status: Mapped[str] = mapped_column(String(10))  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    handler_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Migration 0015: the rule as configured (secret references, never values) and until when the
    # sending server holds a pending delivery; past that, any server's sweep finishes it.
    rule: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
