"""Workflows and their runs as the API answers them; openapi.json's schemas come from these models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ..execution.records import Timestamp
from ..registry.visibility import Visibility
from .state import RunStatus, StepStatus


class PinnedScript(BaseModel):
    """The script version a step runs, fixed when the workflow version was saved."""

    script_id: str
    name: str
    version: str
    language: str


class WorkflowRecord(BaseModel):
    id: str
    name: str
    description: str
    visibility: Visibility
    tags: list[str]
    version: str
    latest_version: str
    content_sha256: str = Field(description="SHA-256 of the definition's text as written.")
    pins: dict[str, PinnedScript] = Field(description="Each step's script version, by step id.")
    created_at: Timestamp
    created_by: str
    updated_at: Timestamp | None
    updated_by: str | None
    definition: dict[str, Any] | None = Field(None, description="The parsed definition (not in lists).")
    content: str | None = Field(None, description="The definition's text as written (not in lists).")


class WorkflowVersionRecord(BaseModel):
    version: str
    content_sha256: str
    pins: dict[str, PinnedScript]
    created_at: Timestamp
    created_by: str


class WorkflowStepItem(BaseModel):
    """One item of a for_each step."""

    item: Any
    status: StepStatus
    attempts: int
    execution_ids: list[str]
    outputs: dict[str, Any] | None
    exit_code: int | None
    error: str | None


class WorkflowStep(BaseModel):
    id: str
    script: PinnedScript | None
    needs: list[str]
    status: StepStatus
    attempts: int = Field(description="Executions started (for a for_each step: the most of any item).")
    execution_ids: list[str] = Field(description="Every attempt's execution, in order.")
    outputs: dict[str, Any] | list[Any] | None = Field(description="What the script published; a for_each step's: "
                                                                   "the list of its items' outputs.")
    exit_code: int | None
    error: str | None
    started_at: Timestamp | None
    completed_at: Timestamp | None
    duration_ms: int | None
    continued: bool = Field(description="Failed, and continue_on_error let the run go on.")
    reused: bool = Field(description="Taken over from the run this one re-runs.")
    items: list[WorkflowStepItem] | None


class WorkflowRunRecord(BaseModel):
    id: str
    run_id: str = Field(description="The same as id.")
    workflow_id: str | None = Field(description="null: a definition sent with the run.")
    workflow_version: str | None
    status: RunStatus
    reason: str | None = Field(description="cancelled; server_stopped only on runs an earlier release closed when its server stopped "
                                              "(now another server resumes such a run).")
    error: str | None
    inputs: dict[str, Any]
    requested_by: str
    rerun_of: str | None
    trigger: str = Field(default="api", description="Where it was started from: api, schedule, webhook, notification.")
    trigger_id: str | None = Field(default=None, description="The schedule or webhook that started it (null: none).")
    steps: list[WorkflowStep] = Field(description="In the definition's order.")
    queued_at: Timestamp
    started_at: Timestamp | None
    completed_at: Timestamp | None
    duration_ms: int | None


def answer(model: type[BaseModel], view: dict) -> dict:
    """A view as its record says (so the answer and openapi.json agree)."""
    return model.model_validate(view).model_dump(mode="json", exclude_none=False)
