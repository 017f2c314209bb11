"""The REST bodies and the record of schedules (openapi.json's schemas come from them)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..execution.fields import Arguments
from ..queue.models import MAX_TAGS, Priority, TagKey, TagValue
from ..targets.models import TargetReference
from ..notifications.models import MAX_RULES, NotificationRule
from ..secrets.models import MAX_SECRETS_PER_RUN, EnvName, SecretReference
from .cron import MAX_CRON_LENGTH, cron_problem, zone_problem


class Overlap(str, Enum):
    SKIP = "skip"    # an occurrence while the previous run is going is recorded as skipped
    QUEUE = "queue"  # it waits, and starts when the previous run ends
    ALLOW = "allow"  # it starts anyway


class CatchUp(str, Enum):
    NONE = "none"  # occurrences missed while no server ran are dropped
    ONCE = "once"  # one of them (the latest) runs when a server is back


Cron = str
TargetId = str


class _ScheduleFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200, description="What it is for (default: the target's name).")
    version: str | None = Field(default=None, max_length=40, description="The version to run (default: the latest at each fire).")
    cron: Cron | None = Field(default=None, max_length=MAX_CRON_LENGTH,
                              description="5 fields (minute hour day month weekday) or 6 with seconds first; names and ranges.")
    timezone: str | None = Field(default=None, max_length=64, description="An IANA time zone (default UTC).")
    arguments: Arguments | None = Field(default=None, description="A script's arguments (validated against its parameters).")
    inputs: dict[str, Any] | None = Field(default=None, description="A workflow's inputs.")
    secrets: dict[EnvName, SecretReference] | None = Field(default=None, max_length=MAX_SECRETS_PER_RUN,
                                                          description="A script's secrets: {ENV_VAR: secret}, the owner's to use.")
    target: TargetReference | None = Field(default=None, description="A script's target container (as in an execute body).")
    tags: dict[TagKey, TagValue] | None = Field(default=None, max_length=MAX_TAGS,
                                               description="Only a worker with these tags runs a script's fires.")
    priority: Priority | None = Field(default=None, description="The queue priority of a script's fires (default normal).")
    retry_on_executor_loss: bool | None = None
    enabled: bool | None = None
    overlap: Overlap | None = Field(default=None, description="skip (default), queue or allow.")
    catch_up: CatchUp | None = Field(default=None, description="none (default) or once.")
    notifications: list[NotificationRule] | None = Field(default=None, max_length=MAX_RULES)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        problem = cron_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return " ".join(value.split()) if value is not None else None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        problem = zone_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value


class ScheduleCreate(_ScheduleFields):
    """A new schedule of a script or a workflow, run as its creator."""

    script_id: TargetId | None = Field(default=None, max_length=300, description="A script: id, name or owner/name.")
    workflow_id: TargetId | None = Field(default=None, max_length=300, description="Or a workflow's id.")
    cron: Cron = Field(max_length=MAX_CRON_LENGTH, description="5 fields (minute hour day month weekday) or 6 with seconds first.")

    @model_validator(mode="after")
    def _one_target(self) -> "ScheduleCreate":
        if (self.script_id is None) == (self.workflow_id is None):
            raise ValueError("give exactly one of script_id and workflow_id")
        if self.workflow_id is not None and (self.arguments or self.secrets):
            raise ValueError("a workflow takes inputs, not arguments or secrets (its steps name their secrets)")
        if self.workflow_id is not None and run_options(self):
            raise ValueError("a workflow's steps name their own target, tags and priority, not its schedule")
        if self.script_id is not None and self.inputs:
            raise ValueError("a script takes arguments, not inputs")
        return self


RUN_OPTIONS = ("target", "tags", "priority", "retry_on_executor_loss")


def run_options(body: _ScheduleFields) -> dict:
    """The execute-body options a schedule body sets, as stored (JSON)."""
    return {name: value for name, value in body.model_dump(mode="json", include=set(RUN_OPTIONS)).items() if value is not None}


class ScheduleUpdate(_ScheduleFields):
    """Fields left out keep their values; the target stays."""


class ScheduleRun(BaseModel):
    fire_time: str
    outcome: str = Field(description="started, skipped, queued, error or paused")
    catch_up: bool
    manual: bool
    run_kind: str | None
    run_id: str | None
    status: str | None = Field(description="The run's status (null: none started).")
    message: str | None


class ScheduleRecord(BaseModel):
    id: str
    name: str | None
    owner: str
    script_id: str | None
    workflow_id: str | None
    target_name: str = Field(description="The script's or workflow's name.")
    version: str | None
    cron: str
    timezone: str
    arguments: dict[str, str] | None
    inputs: dict[str, Any] | None
    secrets: dict[str, str]
    target: TargetReference | None
    tags: dict[str, str]
    priority: Priority
    retry_on_executor_loss: bool
    enabled: bool
    overlap: Overlap
    catch_up: CatchUp
    notifications: list[NotificationRule]
    paused_reason: str | None = Field(description="Why the server paused it (the owner lost access), else null.")
    next_runs: list[str] = Field(description="The next five occurrences (ISO 8601 in the schedule's zone); empty while paused.")
    last_run: ScheduleRun | None
    created_at: str
    updated_at: str | None
