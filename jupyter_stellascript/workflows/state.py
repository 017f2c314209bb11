"""What a workflow run and each of its steps are at, as stored and answered."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ..db import as_utc, utcnow


class RunStatus(str, enum.Enum):
    QUEUED = "Queued"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    ERROR = "Error"

    @property
    def is_terminal(self) -> bool:
        return self not in (RunStatus.QUEUED, RunStatus.RUNNING)


class StepStatus(str, enum.Enum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"
    CANCELLED = "Cancelled"

    @property
    def is_terminal(self) -> bool:
        return self not in (StepStatus.PENDING, StepStatus.RUNNING)


@dataclass
class ItemState:
    """One item of a for_each step."""

    item: Any
    status: str = StepStatus.PENDING.value
    attempts: int = 0
    execution_ids: list[str] = field(default_factory=list)
    outputs: dict | None = None
    exit_code: int | None = None
    error: str | None = None


@dataclass
class StepState:
    status: str = StepStatus.PENDING.value
    attempts: int = 0
    execution_ids: list[str] = field(default_factory=list)
    # A for_each step's: the list of its items' outputs.
    outputs: Any = None
    exit_code: int | None = None
    error: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    duration_ms: int | None = None
    # A failure that continue_on_error lets the run go on from as if it succeeded.
    continued: bool = False
    # Taken over from the run this one re-runs (its outputs and executions).
    reused: bool = False
    items: list[ItemState] | None = None

    @property
    def step_status(self) -> StepStatus:
        return StepStatus(self.status)

    @property
    def ok(self) -> bool:
        """Dependants go on: it succeeded, or failed under continue_on_error."""
        return self.status == StepStatus.SUCCEEDED.value or self.continued

    def start(self) -> None:
        # A step resumed by another server keeps the time it first started.
        self.status, self.started_at = StepStatus.RUNNING.value, self.started_at or utcnow().isoformat()

    def end(self, status: StepStatus, error: str | None = None) -> None:
        self.status = status.value
        if error:
            self.error = error
        now = utcnow()
        self.completed_at = now.isoformat()
        if self.started_at:
            self.duration_ms = int((now - as_utc(datetime.fromisoformat(self.started_at))).total_seconds() * 1000)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "StepState":
        items = data.get("items")
        return cls(**{**data, "items": [ItemState(**item) for item in items] if items is not None else None})
