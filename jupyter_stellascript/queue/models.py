"""The queue's vocabulary: where a run may go and in which order."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

# Tag keys and values: what an operator types after --tag, nothing a shell or SQL needs quoting for.
TagKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
TagValue = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:/-]{1,200}$")]
TAG_PATTERN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,99})=([A-Za-z0-9_.:/-]{1,200})$")
MAX_TAGS = 16


class Priority(str, enum.Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Claimed in ascending rank: high first."""
        return {Priority.HIGH: 0, Priority.NORMAL: 1, Priority.LOW: 2}[self]


class QueueOptions(BaseModel):
    """Where and in which order a run is taken (part of every run's body)."""

    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict, max_length=MAX_TAGS,
        description="Only a worker having every one of these tags runs it, e.g. {\"site\": \"eu-1\"} "
                    "(none: any executor). No such live worker within the server's placement_timeout: Error no_worker.")
    priority: Priority = Field(default=Priority.NORMAL, description="Queued runs are taken high first, first come first served "
                                                                    "within a priority.")
    retry_on_executor_loss: bool | None = Field(
        default=None, description="If the executor running it dies, queue it again once instead of ending it Error "
                                  "executor_lost (the record keeps every attempt). Left out or null: the workflow "
                                  "step's setting, else the script's, else false.")


@dataclass(frozen=True)
class Placement:
    """What the queue keeps of QueueOptions for one execution."""

    tags: dict[str, str] = field(default_factory=dict)
    priority: Priority = Priority.NORMAL
    retry_on_executor_loss: bool = False

    @classmethod
    def of(cls, options: QueueOptions | None, script_retries: bool = False) -> Placement:
        """``script_retries``: the script's own retry_on_executor_loss, which the options' overrides."""
        if options is None:
            return cls(retry_on_executor_loss=script_retries)
        said = options.retry_on_executor_loss
        return cls(dict(options.tags), options.priority, script_retries if said is None else said)


def parse_tags(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """--tag key=value options as a dict; ValueError naming a malformed one."""
    tags: dict[str, str] = {}
    for value in values:
        match = TAG_PATTERN.match(value)
        if match is None:
            raise ValueError(f"--tag {value!r}: expected key=value (letters, digits, _ . - ; values also : /)")
        tags[match.group(1)] = match.group(2)
    return tags


def tags_text(tags: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(tags.items())) or "(none)"


class WorkerRecord(BaseModel):
    """One live executor, as GET /workers lists it."""

    id: str
    kind: str = Field(description="embedded (a server's own executor) or worker (`stellascript worker`).")
    host: str
    pid: int
    tags: dict[str, str]
    version: str = Field(description="The Stella Script version it runs.")
    schema_version: str = Field(description="The database schema (migration) it knows.")
    claiming: bool = Field(description="False: the database's schema is one it does not know, so it claims nothing.")
    engine: str = Field(description="Its container engine (Docker API URL, auto, or local).")
    concurrency: int
    running: int = Field(description="Executions it runs now.")
    metrics: dict[str, float] = Field(description="Counters since it started: claimed, and one per outcome (Succeeded, "
                                                  "Failed...), claim_to_start_ms_p50/p95.")
    started_at: str
    last_heartbeat: str
