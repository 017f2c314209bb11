"""ExecutionRecord: an execution as the API answers it.

Every answer about an execution is built through this model, and
openapi.json's Execution schema is generated from it, so the two agree.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from ..db import Execution, iso_utc
from .models import ExecutionStatus, NetworkMode, TerminationReason

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
LanguageName = Annotated[str, WithJsonSchema({"type": "string", "x-component": "Language"})]
# stdout or stderr (openapi.json keeps the ScriptStream schema by hand).
ScriptStream = Annotated[Literal["stdout", "stderr"], WithJsonSchema({"type": "string", "x-component": "ScriptStream"})]
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
# The server's own reason on top of the engine's: a server stopped mid-run.
# The queue's: its executor died (executor_lost), no live worker had its tags (no_worker).
Reason = Literal[tuple(reason.value for reason in TerminationReason) + ("server_stopped", "executor_lost", "no_worker")]


class ResourceLimits(BaseModel):
    """The limits the run's container had."""

    memory_bytes: int
    cpus: float
    pids: int
    file_size_bytes: int
    open_files: int
    tmpfs_bytes: int
    work_bytes: int | None = Field(default=None, description="The size of /work (at most half the memory; /tmp at most a quarter).")


class SecretUsage(BaseModel):
    """A secret a run was given: which one, which version, and the variable it was also set as."""

    name: str
    owner: str
    version: int
    env: str | None = Field(description="The environment variable (null: the file /run/secrets/<name> only).")


class ExecutionTarget(BaseModel):
    """The target container of a run: as asked for, and (once the run started) which one it was."""

    container: str = Field(description="The name or id the request gave.")
    id: str | None = Field(None, description="The container's full id (null until the run started).")
    name: str | None = Field(None, description="The container's name (null until the run started).")


class ExecutionRecord(BaseModel):
    id: str = Field(json_schema_extra={"format": "uuid"})
    execution_id: str = Field(json_schema_extra={"format": "uuid"}, description="The same as id.")
    script_id: str | None = Field(description="null for an ad-hoc run (POST /scripts/executions).")
    script_version: str | None = Field(description="null for an ad-hoc run.")
    content_sha256: Sha256 = Field(description="Exactly which content ran (for an ad-hoc run, the content sent, stored as a blob).")
    language: LanguageName
    status: ExecutionStatus
    exit_code: int | None = Field(description="The script's exit code; null until it ends, or when it never ran.")
    stdout: str | None = Field(description="Stored when the execution ends; stream it live from /logs.")
    stderr: str | None
    platform: str | None = Field(default=None, description="Messages of the platform, not the script: dependency resolution, "
                                                          "image builds, waits. Stored apart from stderr.")
    output_order: list[tuple[ScriptStream, int]] | None = Field(
        default=None, description="The order stdout and stderr were written in: runs of [stream, characters]; "
                                  "null for records from before it was kept.")
    stdout_truncated: bool | None
    stderr_truncated: bool | None
    compile_cache_hit: bool | None
    peak_memory_bytes: int | None
    termination_reason: Reason | None = Field(description="Why it ended other than by its own exit.")
    error: str | None
    requested_by: str = Field(description="The user, or anonymous.")
    trigger: str = Field(default="api", description="Where it was started from: api, ui, notebook, cli, workflow, schedule, "
                                                    "webhook, notification (the X-StellaScript-Trigger header of the request).")
    trigger_id: str | None = Field(default=None, description="The schedule or webhook that started it (null: none).")
    arguments: dict[str, str]
    environment_keys: list[str]
    secrets: list[SecretUsage] = Field(default_factory=list, description="Which secrets the run was given (never their values).")
    network_mode: NetworkMode
    target: ExecutionTarget | None = Field(None, description="The target container the run joined the network namespace of "
                                                             "(null: none); the run's network_mode is then unused.")
    timeout: float = Field(description="Seconds.")
    limits: ResourceLimits | None = Field(description="The effective limits (the request's memory and cpus, else the language's).")
    image: str | None
    image_id: str | None
    dependency_lock_sha256: str | None = Field(description="The dependency lock the run installed (null: no dependencies).")
    queued_at: Timestamp
    started_at: Timestamp | None
    completed_at: Timestamp | None
    duration_ms: int | None
    outputs: dict[str, Any] | None = Field(None, description="The JSON object the script wrote to the file named by "
                                           "$STELLASCRIPT_OUTPUT (null: it wrote none, or has not finished).")
    workflow_run_id: str | None = Field(None, description="The workflow run this execution is a step of (null: none).")
    step_id: str | None = Field(None, description="Its step's id in that workflow run.")
    priority: str = Field("normal", description="low, normal or high: queued runs are taken high first.")
    tags: dict[str, str] = Field(default_factory=dict, description="Only a worker with these tags runs it.")
    worker_id: str | None = Field(None, description="The executor that ran it (the last attempt's).")
    attempts: list[dict[str, Any]] = Field(default_factory=list, description="Every attempt: {attempt, worker_id, claimed_at, "
                                           "ended_at, outcome}; more than one when its executor died and it was retried.")
    redacted: bool = Field(False, description="True: another user's run of your script, without its arguments, "
                                               "environment names, secrets used, output and error (null or empty here).")

    @classmethod
    def of(cls, execution: Execution) -> "ExecutionRecord":
        return cls(
            id=execution.id, execution_id=execution.id,
            script_id=execution.script_id, script_version=execution.script_version,
            content_sha256=execution.content_sha256, language=execution.language, status=execution.status,
            exit_code=execution.exit_code, stdout=execution.stdout, stderr=execution.stderr,
            platform=execution.platform, output_order=execution.output_order,
            stdout_truncated=execution.stdout_truncated, stderr_truncated=execution.stderr_truncated,
            compile_cache_hit=execution.compile_cache_hit, peak_memory_bytes=execution.peak_memory_bytes,
            termination_reason=execution.termination_reason, error=execution.error,
            requested_by=execution.requested_by, trigger=execution.trigger or "api", trigger_id=execution.trigger_id, arguments=execution.arguments or {},
            environment_keys=execution.environment_keys or [], secrets=execution.secrets or [], network_mode=execution.network_mode,
            target=execution.target,
            timeout=execution.timeout_s, limits=execution.limits, image=execution.image, image_id=execution.image_id,
            dependency_lock_sha256=execution.dependency_lock_sha256,
            queued_at=iso_utc(execution.queued_at), started_at=iso_utc(execution.started_at),
            completed_at=iso_utc(execution.completed_at), duration_ms=execution.duration_ms,
            outputs=execution.outputs, workflow_run_id=execution.workflow_run_id, step_id=execution.step_id,
            priority=execution.priority or "normal", tags=execution.tags or {}, worker_id=execution.worker_id,
            attempts=execution.attempts or [],
        )

    def summary(self) -> "ExecutionRecord":
        """What the script's creator sees of someone else's run of it."""
        return self.model_copy(update={
            "stdout": None, "stderr": None, "platform": None, "output_order": None, "stdout_truncated": None, "stderr_truncated": None, "error": None,
            "arguments": {}, "environment_keys": [], "secrets": [], "outputs": None, "redacted": True,
        })

    def to_json(self) -> dict:
        return self.model_dump(mode="json")
