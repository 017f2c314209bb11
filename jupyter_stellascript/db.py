"""The database: SQLAlchemy models and the session factory.

SQLite (embedded, the default) and PostgreSQL (for teams) share one schema,
created and changed only through the Alembic migrations in ``migrations/``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    Index,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC."""
    return None if moment is None else as_utc(moment).isoformat()


class Base(DeclarativeBase):
    pass


class Blob(Base):
    """Script content, stored once per SHA-256 and never changed."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Script(Base):
    __tablename__ = "scripts"
    __table_args__ = (
        Index("ix_scripts_listing", "deleted_at", "name", "id"),
        # Counting what a caller may read reads this, not the rows.
        Index("ix_scripts_readable", "deleted_at", "visibility", "created_by", "id"),
        # A name is unique per owner among the scripts not deleted (a deleted
        # script's name is free again; its row stays for the execution records).
        Index("ux_scripts_owner_name", "created_by", "name", unique=True,
              sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(20), index=True)
    visibility: Mapped[str] = mapped_column(String(20), index=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # The creator's teams, for "team" visibility.
    teams: Mapped[list] = mapped_column(JSON, default=list)
    latest_version: Mapped[str] = mapped_column(String(40))
    # Its runs are queued again once when their executor dies, unless a request or workflow step says otherwise.
    retry_on_executor_loss: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Search works in SQL: the name, description and tags casefolded (SQL's
    # lower() folds ASCII only), the name alone casefolded (for ranking name
    # matches first), and one row per tag and per team, kept in step with the
    # JSON lists by the events below.
    search_text: Mapped[str] = mapped_column(Text, default="")
    name_folded: Mapped[str] = mapped_column(String(200), default="")
    tag_rows: Mapped[list["ScriptTag"]] = relationship(cascade="all, delete-orphan")
    team_rows: Mapped[list["ScriptTeam"]] = relationship(cascade="all, delete-orphan")


class ScriptTag(Base):
    __tablename__ = "script_tags"
    __table_args__ = (Index("ix_script_tags_tag", "tag", "script_id"),)
    script_id: Mapped[str] = mapped_column(ForeignKey("scripts.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(200), primary_key=True)


class ScriptTeam(Base):
    __tablename__ = "script_teams"
    __table_args__ = (Index("ix_script_teams_team", "team", "script_id"),)
    script_id: Mapped[str] = mapped_column(ForeignKey("scripts.id"), primary_key=True)
    team: Mapped[str] = mapped_column(String(200), primary_key=True)


def search_text_of(name: str | None, description: str | None, tags: list[str] | None = None) -> str:
    """What text search looks in: the name's line first (so a prefix of it is a prefix of the name)."""
    return "\n".join([(name or "").casefold(), (description or "").casefold(), *(tag.casefold() for tag in tags or ())])


def keep_search_rows(model: type, tag_row: type, team_row: type, fold_name: bool = False) -> None:
    """Keep ``model``'s tag and team rows in step with its JSON lists, and its
    search_text with its name, description and tags (scripts and workflows
    alike), and with ``fold_name`` its case-folded name (a script's name is
    unique per owner in that form)."""

    @event.listens_for(model.tags, "set")
    def _tags_set(target, value, _old, _initiator) -> None:
        target.tag_rows = [tag_row(tag=tag) for tag in sorted(set(value or ()))]

    @event.listens_for(model.teams, "set")
    def _teams_set(target, value, _old, _initiator) -> None:
        target.team_rows = [team_row(team=team) for team in sorted(set(value or ()))]

    @event.listens_for(model, "before_insert")
    @event.listens_for(model, "before_update")
    def _fold_search_text(_mapper, _connection, target) -> None:
        target.search_text = search_text_of(target.name, target.description, target.tags)
        if fold_name:
            target.name_folded = (target.name or "").casefold()


keep_search_rows(Script, ScriptTag, ScriptTeam, fold_name=True)


class ScriptVersion(Base):
    __tablename__ = "script_versions"
    __table_args__ = (UniqueConstraint("script_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    script_id: Mapped[str] = mapped_column(ForeignKey("scripts.id"), index=True)
    version: Mapped[str] = mapped_column(String(40))
    major: Mapped[int] = mapped_column(Integer)
    minor: Mapped[int] = mapped_column(Integer)
    patch: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    entry_point: Mapped[str] = mapped_column(String(200))
    dependencies: Mapped[list] = mapped_column(JSON, default=list)
    # The dependency lock (dependencies.Lock.to_dict()) saved the first time
    # this version's dependencies were resolved; later runs install exactly it.
    dependency_lock: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    # Parameters (parameters.ParameterDeclaration.stored()): those the record
    # declared, and the effective ones (with the content's inline block) runs validate against.
    declared_parameters: Mapped[list] = mapped_column(JSON, default=list)
    parameters: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class Execution(Base):
    __tablename__ = "executions"
    # Lists page newest first, filtered by who ran it or by script (and status).
    __table_args__ = (
        Index("ix_executions_requested_by_queued", "requested_by", "queued_at", "id"),
        Index("ix_executions_script_queued", "script_id", "queued_at", "id"),
        # Counting what a caller sees reads this, not the rows (and their output).
        Index("ix_executions_visibility", "script_id", "requested_by"),
        Index("ix_executions_trigger_queued", "trigger", "queued_at"),
        # Whether a schedule's run is still going (overlap) reads this.
        Index("ix_executions_trigger_id", "trigger_id", "status"),
        # The notifications sweep looks for runs whose start or end nobody has taken yet.
        Index("ix_executions_notified", "notified", "status"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # None for an ad-hoc run (content sent with the request, stored as a blob).
    script_id: Mapped[str | None] = mapped_column(ForeignKey("scripts.id"), nullable=True, index=True)
    script_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    # Where it was started from (execution/filters.py: api, ui, notebook, cli...).
    trigger: Mapped[str] = mapped_column(String(20), default="api")
    # The schedule or webhook that started it (trigger schedule or webhook; None otherwise).
    trigger_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # Which notification events a server has taken for it, as bits: 1 start, 2 end (notifications/).
    notified: Mapped[int] = mapped_column(SmallInteger, default=0)
    arguments: Mapped[dict] = mapped_column(JSON, default=dict)
    environment_keys: Mapped[list] = mapped_column(JSON, default=list)
    # Which secrets the run was given: [{name, owner, version, env}], never a value.
    secrets: Mapped[list] = mapped_column(JSON, default=list)
    network_mode: Mapped[str] = mapped_column(String(20))
    # The target container the run joined: {container (as asked), id, name}; None: no target.
    target: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    timeout_s: Mapped[float] = mapped_column(Float)
    limits: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    image: Mapped[str | None] = mapped_column(String(300), nullable=True)
    image_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # SHA-256 of the dependency lock the run's image installed (None: no dependencies).
    dependency_lock_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stdout: Mapped[str] = mapped_column(Text, default="")
    stderr: Mapped[str] = mapped_column(Text, default="")
    # The runs of [stream, characters] stdout and stderr were written in
    # (execution/output_log.py), and the platform's messages (dependency
    # resolution, image builds), kept apart from the script's stderr.
    output_order: Mapped[list | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    platform: Mapped[str] = mapped_column(Text, default="")
    stdout_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    stderr_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    compile_cache_hit: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    peak_memory_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    termination_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    server_instance: Mapped[str] = mapped_column(String(64))
    # The JSON object the script wrote to $STELLASCRIPT_OUTPUT (None: none).
    outputs: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    # A workflow step's execution: its run and step (None: an ordinary run).
    workflow_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    step_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # The durable queue (jupyter_stellascript/queue): where it may run, in
    # which order, which executor ran it, and every attempt it had.
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    tags: Mapped[dict] = mapped_column(JSON, default=dict)
    worker_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[list] = mapped_column(JSON, default=list)


class ExecutionShare(Base):
    """One explicit grant: ``grantee`` (a user, or a team) may read an execution
    as its starter does (execution/visibility.py)."""

    __tablename__ = "execution_shares"
    __table_args__ = (Index("ix_execution_shares_grantee", "grantee_kind", "grantee", "execution_id"),)
    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id", ondelete="CASCADE"), primary_key=True)
    grantee_kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # "user" or "team"
    grantee: Mapped[str] = mapped_column(String(200), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ServerInstance(Base):
    """A running server process; executions name the instance that runs them."""

    __tablename__ = "server_instances"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class ApiToken(Base):
    """A headless server's API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user: Mapped[str] = mapped_column(String(200), index=True)
    teams: Mapped[list] = mapped_column(JSON, default=list)
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(url: str) -> None:
    """Bring the schema up to date; never drops data."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")


def open_database(url: str) -> sessionmaker:
    """Migrate, then return a session factory."""
    migrate(url)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return sessionmaker(engine, expire_on_commit=False)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - driver callback
        cursor = dbapi_connection.cursor()
        # WAL: readers don't block the writer; busy_timeout: writers queue
        # instead of failing with "database is locked".
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
