"""The database tables of workflows (created by migration 0008)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, keep_search_rows, utcnow


class Workflow(Base):
    __tablename__ = "workflows"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(20), index=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # The creator's teams, for "team" visibility (registry/visibility.can_read reads these fields).
    teams: Mapped[list] = mapped_column(JSON, default=list)
    latest_version: Mapped[str] = mapped_column(String(40))
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    tag_rows: Mapped[list["WorkflowTag"]] = relationship(cascade="all, delete-orphan")
    team_rows: Mapped[list["WorkflowTeam"]] = relationship(cascade="all, delete-orphan")


class WorkflowTag(Base):
    __tablename__ = "workflow_tags"
    __table_args__ = (Index("ix_workflow_tags_tag", "tag", "workflow_id"),)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(200), primary_key=True)


class WorkflowTeam(Base):
    __tablename__ = "workflow_teams"
    __table_args__ = (Index("ix_workflow_teams_team", "team", "workflow_id"),)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id"), primary_key=True)
    team: Mapped[str] = mapped_column(String(200), primary_key=True)


keep_search_rows(Workflow, WorkflowTag, WorkflowTeam)


class WorkflowVersion(Base):
    """One immutable version: the author's text (a blob), its parsed definition and the pinned script versions."""

    __tablename__ = "workflow_versions"
    __table_args__ = (UniqueConstraint("workflow_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflows.id"), index=True)
    version: Mapped[str] = mapped_column(String(40))
    major: Mapped[int] = mapped_column(Integer)
    minor: Mapped[int] = mapped_column(Integer)
    patch: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    definition: Mapped[dict] = mapped_column(JSON)
    # {step id: {script_id, name, version, language}}
    pins: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class WorkflowRun(Base):
    """A run: the definition and pins it ran (copied, so a local definition runs too), and every step's state."""

    __tablename__ = "workflow_runs"
    __table_args__ = (Index("ix_workflow_runs_trigger_id", "trigger_id", "status"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # None: a definition sent with the run (the CLI's local file).
    workflow_id: Mapped[str | None] = mapped_column(ForeignKey("workflows.id"), nullable=True, index=True)
    workflow_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    definition: Mapped[dict] = mapped_column(JSON)
    pins: Mapped[dict] = mapped_column(JSON)
    inputs: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # {step id: StepState.to_json()}
    steps: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by: Mapped[str] = mapped_column(String(200), index=True)
    rerun_of: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # Where it was started from (api, schedule, webhook...) and the schedule or webhook's id.
    trigger: Mapped[str] = mapped_column(String(20), default="api")
    trigger_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    server_instance: Mapped[str] = mapped_column(String(64))
