"""The sample library's shapes: a manifest entry (samples/samples.toml, format
in samples/README.md), the records the API answers with, and the clone body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..execution.fields import LanguageName
from ..parameters.models import ParameterDeclaration
from ..registry.requests import Dependencies, Dependency, Name, Tags
from ..registry.visibility import Visibility

SAMPLE_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"


class ManifestEntry(BaseModel):
    """One ``[[sample]]`` table of samples/samples.toml."""

    # A misspelt key in the manifest is an error, not a silently missing field.
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=SAMPLE_ID)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=10_000)
    language: LanguageName
    file: str = Field(min_length=1, pattern=r"^[^/\\]+$")
    category: str = Field(min_length=1)
    tags: Tags = Field(default_factory=list)
    dependencies: Dependencies = Field(default_factory=list)
    dependency_note: str = ""

    @field_validator("description", "title")
    @classmethod
    def _one_paragraph(cls, value: str) -> str:
        return " ".join(value.split())


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: dict[str, str] = Field(min_length=1)
    sample: list[ManifestEntry] = Field(min_length=1)


class SampleSummary(BaseModel):
    """A sample as listed: what the Sample dialog shows, without its content."""

    id: str
    title: str
    description: str = Field(description="Also the clone's description.")
    language: LanguageName
    file: str = Field(description="The file name; the clone's entry point.")
    category: str
    category_label: str
    tags: list[str] = Field(description="Exactly the tags a clone gets.")
    dependencies: list[Dependency] = Field(description="The clone's declared dependencies.")
    dependency_note: str = Field(description="Why a dependency's version differs from the design's, when it does.")
    parameters: list[ParameterDeclaration] = Field(description="Declared in the file's own '/// stellascript' block.")


class Sample(SampleSummary):
    """A sample with its content and the JSON Schema of its parameters' values."""

    content: str
    parameters_schema: dict[str, Any]


class SampleCategory(BaseModel):
    name: str
    label: str


class SampleList(BaseModel):
    items: list[SampleSummary]
    categories: list[SampleCategory] = Field(description="Every category, in the manifest's order (also empty ones).")


class SampleClone(BaseModel):
    """POST scripts/samples/{id}/clone: a new script of the caller's, at 1.0.0."""

    model_config = ConfigDict(extra="ignore")

    name: Name | None = Field(default=None, description="The new script's name (default: the sample's id).")
    visibility: Visibility = Visibility.PRIVATE
