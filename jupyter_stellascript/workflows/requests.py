"""The REST bodies of workflows (openapi.json's schemas are generated from them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..registry.requests import Description, Name, Tags, VersionBump
from ..registry.visibility import Visibility

Definition = str | dict[str, Any]
DEFINITION_HELP = "The definition: YAML or JSON text (kept as written), or a JSON object (workflow.schema.json at GET workflows/schema)."


class WorkflowCreate(BaseModel):
    """A new workflow: its first version, 1.0.0 (every step's script version pinned)."""

    model_config = ConfigDict(extra="ignore")

    name: Name | None = Field(default=None, description="Default: the definition's name.")
    definition: Definition = Field(description=DEFINITION_HELP)
    description: Description | None = None
    visibility: Visibility = Visibility.PRIVATE
    tags: Tags = Field(default_factory=list)


class WorkflowUpdate(BaseModel):
    """A new immutable version (the latest bumped by version_bump); fields left out keep their values.
    Saving again re-pins every step without a version to its script's newest version."""

    model_config = ConfigDict(extra="ignore")

    name: Name | None = None
    definition: Definition | None = Field(default=None, description=DEFINITION_HELP + " Default: the latest version's.")
    description: Description | None = None
    visibility: Visibility | None = None
    tags: Tags | None = None
    version_bump: VersionBump = VersionBump.MINOR
    expected_version: str | None = Field(default=None, description="Refuse (409) unless the latest version is this one.")

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ("name", "description", "visibility", "tags")
                if name in self.model_fields_set and getattr(self, name) is not None}


class WorkflowRunBody(BaseModel):
    """Run a saved workflow (default: its latest version)."""

    model_config = ConfigDict(extra="ignore")

    inputs: dict[str, Any] = Field(default_factory=dict)
    version: str | None = None


class LocalRunBody(BaseModel):
    """Run a definition sent with the request (the CLI's local file); steps name registry scripts."""

    model_config = ConfigDict(extra="ignore")

    definition: Definition = Field(description=DEFINITION_HELP)
    inputs: dict[str, Any] = Field(default_factory=dict)


class RerunBody(BaseModel):
    """Run again: failed (and skipped) steps and what depends on them; succeeded ones keep their outputs."""

    model_config = ConfigDict(extra="ignore")

    from_step: str | None = Field(default=None, description="Also run this step (and its dependants) again, even if it succeeded.")


class WorkflowCheckoutBody(BaseModel):
    """Write a workflow's latest definition into the workspace folder as ``<name>.workflow.yaml``."""

    model_config = ConfigDict(extra="forbid")

    workflow_id: str = Field(min_length=1)
    overwrite: bool = Field(default=False, description="Replace a file that holds edits no version has.")


class WorkflowSaveBody(BaseModel):
    """Store a workflow file of the workspace as the workflow's next version."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, description="The file, relative to the Jupyter root dir.")
    version_bump: VersionBump = VersionBump.PATCH
