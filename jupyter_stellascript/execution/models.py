"""The vocabulary of an execution: what is asked for and what came back."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..secrets.delivery import DeliveredSecret
from ..targets.models import CONTAINER_REFERENCE
from .fields import (
    Arguments,
    Cpus,
    DiskBytes,
    entry_point_field,
    Environment,
    InvalidRequest,
    LanguageOrAlias,
    MemoryBytes,
    Seconds,
    Source,
    field_errors,
)


class ExecutionStatus(str, enum.Enum):
    QUEUED = "Queued"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    TIMED_OUT = "TimedOut"
    CANCELLED = "Cancelled"
    ERROR = "Error"

    @property
    def is_terminal(self) -> bool:
        return self not in (ExecutionStatus.QUEUED, ExecutionStatus.RUNNING)


class NetworkMode(str, enum.Enum):
    NONE = "none"
    BRIDGE = "bridge"
    HOST = "host"


@dataclass(frozen=True)
class ResourceLimits:
    """Limits applied to one execution's container."""

    memory_bytes: int
    cpus: float
    pids: int = 256
    file_size_bytes: int = 256 * 1024 * 1024
    open_files: int = 1024
    tmpfs_bytes: int = 64 * 1024 * 1024
    # The size of /work, a tmpfs charged to the run's memory (at most half of
    # it once resolved, see with_overrides; /tmp at most a quarter).
    work_bytes: int = 256 * 1024 * 1024

    def with_overrides(self, memory_bytes: int | None = None, cpus: float | None = None,
                       work_bytes: int | None = None) -> "ResourceLimits":
        """These limits with a run's own memory, CPUs and /work size (the policy
        has checked that ``work_bytes`` is at most half the memory)."""
        memory_bytes = memory_bytes if memory_bytes is not None else self.memory_bytes
        return dataclasses.replace(
            self,
            memory_bytes=memory_bytes,
            cpus=cpus if cpus is not None else self.cpus,
            # Tmpfs pages are the run's memory, and killing a process frees
            # none of them: /work gets half of it at most and /tmp a quarter
            # (/dev/shm an eighth, sandbox.shm_bytes), so that with all of
            # them full the script and the agent that reports still fit.
            work_bytes=work_bytes if work_bytes is not None else min(self.work_bytes, memory_bytes // 2),
            tmpfs_bytes=min(self.tmpfs_bytes, memory_bytes // 4),
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class TerminationReason(str, enum.Enum):
    """Why an execution ended other than by its own exit."""

    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    MEMORY_LIMIT = "memory_limit"
    DISK_LIMIT = "disk_limit"
    COMPILE_ERROR = "compile_error"
    ENGINE_ERROR = "engine_error"
    DEPENDENCY_ERROR = "dependency_error"
    # What the script wrote to $STELLASCRIPT_OUTPUT: over the cap, not JSON or not an object.
    INVALID_OUTPUTS = "invalid_outputs"
    # The target container is gone, stopped or no longer a target when the run starts.
    TARGET_UNAVAILABLE = "target_unavailable"


class ExecutionRequest(BaseModel):
    """One run as the engine (any backend) takes it. Valid by construction:
    building one with a malformed field raises InvalidRequest. What the server
    allows on top, and the defaults it fills in, is RunPolicy.resolve's."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    language: LanguageOrAlias
    source: Source
    # None: the language's default file for this source (filled in on construction).
    entry_point: str | None = Field(default=None, validate_default=True)
    arguments: Arguments = Field(default_factory=dict)
    environment: Environment = Field(default_factory=dict)
    # None: the policy's default for the language / the policy's default mode.
    timeout_s: Seconds | None = None
    memory_bytes: MemoryBytes | None = None
    cpus: Cpus | None = None
    disk_bytes: DiskBytes | None = None  # the size of /work
    network_mode: NetworkMode | None = None
    # A target container (name or id): the run joins its network namespace
    # and gets /scripts/target.json (targets/); network_mode is then unused.
    target: Annotated[str, Field(pattern=CONTAINER_REFERENCE)] | None = None
    # Only compile (or syntax-check) the script; run nothing of it.
    check_only: bool = False
    # Declared dependencies [{name, version, scope}] (the script's own file may
    # declare more, in its ecosystem's convention), and a lock (Lock.to_dict())
    # saved by an earlier run: when given, exactly its packages are installed.
    dependencies: list[dict] = Field(default_factory=list)
    dependency_lock: dict | None = None
    # Secrets by reference (a name or owner/name): {ENV_VAR: reference} are
    # delivered as /run/secrets/<name> and as the variable; secret_files as
    # the file only (e.g. the values of secret-typed parameters).
    secret_environment: dict[str, str] = Field(default_factory=dict)
    secret_files: tuple[str, ...] = ()
    # The same, resolved and decrypted for the caller (SecretManager.deliver,
    # by the execution manager): what the engine delivers. Never dumped.
    delivered_secrets: tuple[DeliveredSecret, ...] = Field(default=(), exclude=True, repr=False)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise InvalidRequest(field_errors(error)) from None

    _entry_point = entry_point_field("language", "source")


@dataclass
class ExecutionResult:
    status: ExecutionStatus
    exit_code: int | None
    stdout: str
    stderr: str
    started_at: datetime
    completed_at: datetime
    duration_ms: int
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    compile_cache_hit: bool | None = None
    # Diagnostics that did not fail the compile (TypeScript's type errors unless type_check is "error").
    compile_warnings: str = ""
    peak_memory_bytes: int | None = None
    termination_reason: TerminationReason | None = None
    error: str | None = None
    language: str = ""
    image: str = ""
    image_id: str = ""
    limits: ResourceLimits | None = None
    network_mode: NetworkMode = NetworkMode.NONE
    pooled: bool = False
    # The lock the run's derived image installs (None: no dependencies).
    dependency_lock: dict | None = None
    dependency_lock_sha256: str | None = None
    # The JSON object the script wrote to $STELLASCRIPT_OUTPUT (None: it wrote none).
    outputs: dict | None = None
    # The target container the run joined: {container (as asked), id, name} (None: no target).
    target: dict | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        data["started_at"] = self.started_at.isoformat()
        data["completed_at"] = self.completed_at.isoformat()
        data["termination_reason"] = self.termination_reason.value if self.termination_reason else None
        data["network_mode"] = self.network_mode.value
        return data
