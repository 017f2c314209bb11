"""The REST bodies that create and change scripts, one model each.

POST /scripts takes a ScriptCreate, PUT /scripts/{id} a ScriptUpdate; their
openapi.json schemas are generated from these. What needs the stored script
(an update's entry point against its language) or a toolchain (the syntax
check) is the registry's.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WrapValidator

from ..execution.fields import Content, LanguageName, entry_point_field, field_errors
from ..parameters.models import ParameterDeclaration
from .visibility import Visibility

MAX_NAME = 100
# The one rule of a script's name: letters, digits, ".", "_" and "-", 1 to
# MAX_NAME characters, kept in Unicode NFC (so "é" typed either way is one
# name). No blanks and no "/": a name is one word on a command line and the
# part after the owner in an ``owner/name`` reference.
NAME_CHARACTERS = re.compile(r"[\w.-]+")
NAME_RULE = f"letters, digits, '.', '_' and '-' only, 1 to {MAX_NAME} characters"
MAX_DESCRIPTION = 10_000
MAX_TAGS = 50
MAX_TAG = 50
MAX_DEPENDENCIES = 200
# Longer than any package manager's names (npm: 214; Maven group:artifact stays well under).
MAX_DEPENDENCY_TEXT = 500


class VersionBump(str, enum.Enum):
    """Which part of the latest version an update raises (default: patch)."""

    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"


class Dependency(BaseModel):
    """A declared dependency; the script's own file may declare more."""

    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(strict=True, min_length=1, max_length=MAX_DEPENDENCY_TEXT)]
    version: Annotated[str, Field(strict=True, max_length=MAX_DEPENDENCY_TEXT,
                                  description="A version or range in the language's package manager's syntax; empty for any.")] = ""
    scope: Literal["runtime", "test", "build"] = "runtime"


def _one_error_per_dependency(value: Any, handler: Any) -> Dependency:
    # A dependency is reported as a whole (dependencies[0]), as it always was.
    try:
        return handler(value)
    except ValidationError as error:
        problems = field_errors(error)
        nameless = {"missing", "string_type", "string_too_short", "model_type", "model_attributes_type"}
        if any(item["loc"][:1] in ((), ("name",)) and item["type"] in nameless for item in error.errors(include_url=False)):
            raise ValueError("each dependency needs a name") from None
        raise ValueError("; ".join(f"{problem['field']}: {problem['message']}" for problem in problems)) from None


def check_name(text: str) -> str:
    """``text`` as a script name (blanks around it dropped, NFC), or ValueError saying the rule."""
    name = unicodedata.normalize("NFC", text.strip())
    if not name:
        raise ValueError("name is required")
    if len(name) > MAX_NAME:
        raise ValueError(f"name is longer than {MAX_NAME} characters")
    if not NAME_CHARACTERS.fullmatch(name):
        bad = sorted({character for character in name if not NAME_CHARACTERS.fullmatch(character)})
        raise ValueError(f"name may hold {NAME_RULE}; not {' '.join(repr(c) for c in bad)}")
    return name


def _tags(value: Any) -> Any:
    if not isinstance(value, list) or len(value) > MAX_TAGS or not all(isinstance(t, str) and 0 < len(t) <= MAX_TAG for t in value):
        raise ValueError(f"tags must be a list of at most {MAX_TAGS} non-empty strings of at most {MAX_TAG} characters")
    return value


def _description(value: Any) -> Any:
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise ValueError(f"description must be text of at most {MAX_DESCRIPTION} characters")
    return value


Name = Annotated[str, Field(strict=True, description=f"Unique per owner; {NAME_RULE} (leading and trailing blanks "
                                                    "are dropped, Unicode NFC)."),
                 AfterValidator(check_name)]
Description = Annotated[str, BeforeValidator(_description), Field(max_length=MAX_DESCRIPTION)]
Tags = Annotated[list[Annotated[str, Field(min_length=1, max_length=MAX_TAG)]], BeforeValidator(_tags), Field(max_length=MAX_TAGS)]
def _dependency_count(value: Any) -> Any:
    if isinstance(value, list) and len(value) > MAX_DEPENDENCIES:
        raise ValueError(f"{len(value)} dependencies are more than the {MAX_DEPENDENCIES} a script may declare")
    return value


Dependencies = Annotated[list[Annotated[Dependency, WrapValidator(_one_error_per_dependency)]],
                         BeforeValidator(_dependency_count), Field(max_length=MAX_DEPENDENCIES)]
MAX_PARAMETERS = 100
Parameters = Annotated[list[ParameterDeclaration], Field(
    max_length=MAX_PARAMETERS,
    description="Declared parameters (they merge with the content's inline '/// stellascript' block; a parameter "
                "declared differently in both is refused). Runs are validated against them.")]
EntryPoint = Annotated[str | None, Field(description="The file name the script is staged as (default: the language's, "
                                                     "e.g. script.py; Java's follows the public class).")]


def _no_default(schema: dict[str, Any]) -> None:
    # The default lives on the VersionBump schema; a bare $ref says it once.
    schema.pop("default", None)


class ScriptCreate(BaseModel):
    """A new script: its first version, 1.0.0."""

    model_config = ConfigDict(extra="ignore")

    name: Name
    language: LanguageName
    content: Content
    description: Description = ""
    visibility: Visibility = Visibility.PRIVATE
    tags: Tags = Field(default_factory=list)
    dependencies: Dependencies = Field(default_factory=list)
    parameters: Parameters = Field(default_factory=list)
    entry_point: EntryPoint = Field(default=None, validate_default=True)
    retry_on_executor_loss: bool = Field(default=False, strict=True, description=
                    "If the executor running one of its runs dies, queue the run again once instead of ending it "
                    "Error executor_lost; a request's or workflow step's own retry_on_executor_loss wins.")

    _entry_point = entry_point_field("language", "content")


class ScriptUpdate(BaseModel):
    """Every update creates a new immutable version: the latest version bumped
    by version_bump. Fields left out (or null) keep their values. The language cannot change."""

    model_config = ConfigDict(extra="ignore")

    name: Name | None = None
    content: Content | None = None
    description: Description | None = None
    visibility: Visibility | None = None
    tags: Tags | None = None
    dependencies: Dependencies | None = None
    parameters: Parameters | None = Field(default=None, description="Replaces the record's declared parameters "
                                                                     "(left out: kept; [] removes them).")
    entry_point: EntryPoint = None
    retry_on_executor_loss: bool | None = Field(default=None, strict=True, description="Left out: kept.")
    version_bump: VersionBump = Field(default=VersionBump.PATCH, json_schema_extra=_no_default)
    expected_version: str | None = Field(default=None, description="Refuse (409) unless the latest version is this one; "
                                                                   "the If-Match header does the same.")

    def changes(self) -> dict[str, Any]:
        """The metadata fields the body sets; null, like leaving a field out, keeps its value."""
        return {name: getattr(self, name) for name in ("name", "description", "visibility", "tags", "retry_on_executor_loss")
                if name in self.model_fields_set and getattr(self, name) is not None}
