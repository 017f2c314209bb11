"""A workflow definition as its author writes it (YAML or JSON).

The pydantic models are the one description of the format: definitions are
parsed through them, and the published JSON Schema (workflow.schema.json,
served at GET workflows/schema) is generated from them. What needs more
than one field to check (needs that name real steps, cycles, expressions,
readable scripts) is validation.py's.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ..errors import ValidationFailed
from ..execution.fields import Cpus, MemoryBytes, parse
from ..execution.models import NetworkMode
from ..queue.models import TagKey, TagValue
from ..secrets.models import EnvName, SecretReference
from ..units import parse_duration

STEP_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$"
MAX_STEPS = 200
MAX_RETRIES = 10
MAX_DEFINITION_BYTES = 256 * 1024


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("a duration is a number of seconds or text like 2s, 2m, 500ms")
    if isinstance(value, (int, float)) and value == 0:
        return 0.0
    return parse_duration(value)


# "2s", "2m", "500ms" or seconds.
Duration = Annotated[Any, BeforeValidator(_seconds),
                     Field(json_schema_extra={"anyOf": [{"type": "number", "minimum": 0},
                                                         {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)?\s*$"}]})]


def _text_value(value: Any) -> str:
    """Arguments and environment are text; a number or boolean written bare in YAML becomes its text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise ValueError("must be text (or a number or boolean), with ${{ }} expressions where needed")
    return value


TextValue = Annotated[str, BeforeValidator(_text_value)]


class StepTarget(BaseModel):
    """target: {container: NAME_OR_ID}; the name may be an expression, e.g. ${{ inputs.service }}."""

    model_config = ConfigDict(extra="forbid")

    container: Annotated[str, Field(min_length=1, max_length=500)]


class InputType(str, enum.Enum):
    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    ARRAY = "array"
    OBJECT = "object"


class InputSpec(BaseModel):
    """One input of the workflow, given when it is run."""

    model_config = ConfigDict(extra="forbid")

    type: InputType = InputType.STRING
    required: bool = False
    default: Any = None
    description: str = ""


class Retries(BaseModel):
    """Attempts after the first: wait ``delay``, then ``delay * backoff``, ..."""

    model_config = ConfigDict(extra="forbid")

    max: Annotated[int, Field(ge=0, le=MAX_RETRIES)] = 0
    delay: Duration = 0.0
    backoff: Annotated[float, Field(ge=1, le=10)] = 1.0

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt`` (2 is the first retry)."""
        return float(self.delay) * self.backoff ** max(attempt - 2, 0)


class StepLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    memory: MemoryBytes | None = None
    cpus: Cpus | None = None


class Step(BaseModel):
    """One step: a registry script run with arguments, as an ordinary execution."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: Annotated[str, Field(pattern=STEP_ID_PATTERN, description="Unique within the workflow; expressions name it.")]
    script: Annotated[str, Field(min_length=1, description="A registry script by name or id.")]
    version: str | None = Field(default=None, description="The script version; default: the newest when the workflow is saved.")
    needs: list[str] = Field(default_factory=list, description="Steps that end before this one starts.")
    if_: str | None = Field(default=None, alias="if", description="Run only when true, e.g. ${{ failure() }}; "
                                                                      "default: when every needed step succeeded.")
    arguments: dict[str, TextValue] = Field(default_factory=dict)
    environment: dict[str, TextValue] = Field(default_factory=dict)
    secrets: dict[EnvName, SecretReference] = Field(
        default_factory=dict, description="Secrets of the step's runs, {ENV_VAR: secret name}: delivered as the variable and "
                                          "as /run/secrets/<name>, for whoever runs the workflow (who must be allowed to use each).")
    retries: Retries = Field(default_factory=Retries)
    timeout: Duration | None = Field(default=None, description="Per attempt; default: the server's for the language.")
    continue_on_error: bool = Field(default=False, description="A failure of this step does not fail the run or its dependants.")
    for_each: str | list[Any] | None = Field(default=None, description="Run once per item (a list, or ${{ }} giving one); "
                                                                       "${{ item }} is the item; the outputs are the list of the items' outputs.")
    max_parallel: Annotated[int, Field(ge=1, le=100)] | None = Field(default=None, description="Items of a for_each running at once.")
    network_mode: NetworkMode | None = None
    target: StepTarget | None = Field(default=None, description="A target container the step's runs join the network "
                                                                "namespace of (see the execute body's target); excludes network_mode.")
    limits: StepLimits | None = None
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, description="Only a worker with these tags runs the step's "
                                                                         "executions, e.g. {\"site\": \"eu-1\"}.")
    retry_on_executor_loss: bool | None = Field(default=None, description="Queue an execution again once if its "
                                                "executor dies (left out: the script's setting).")

    @model_validator(mode="after")
    def _target_has_its_own_network(self) -> "Step":
        if self.target is not None and self.network_mode is not None:
            raise ValueError("target and network_mode exclude each other: a step with a target has the target's network")
        return self


class WorkflowDefinition(BaseModel):
    """inputs, steps (a DAG through ``needs``), and how many steps run at once."""

    model_config = ConfigDict(extra="forbid", title="Stella Script workflow")

    name: str | None = Field(default=None, description="Default name when the workflow is created from this file.")
    description: str = ""
    inputs: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")], InputSpec] = Field(default_factory=dict)
    steps: Annotated[list[Step], Field(min_length=1, max_length=MAX_STEPS)]
    max_concurrent: Annotated[int, Field(ge=1, le=100, description="Executions of the run at once, for_each items included.")] = 4

    def step(self, step_id: str) -> Step:
        return next(step for step in self.steps if step.id == step_id)

    def as_data(self) -> dict:
        """The definition as stored (JSON, ``if`` by its own name, defaults left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def load_definition(text_or_data: str | dict) -> WorkflowDefinition:
    """A definition from YAML or JSON text (or parsed data); ValidationFailed naming each problem."""
    data = text_or_data
    if isinstance(text_or_data, str):
        if len(text_or_data.encode()) > MAX_DEFINITION_BYTES:
            raise ValidationFailed([{"field": "definition", "message": f"larger than {MAX_DEFINITION_BYTES} bytes"}])
        try:
            data = yaml.safe_load(text_or_data)  # JSON is YAML too
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise ValidationFailed([{"field": "definition", "message": f"not YAML or JSON{where}: "
                                                                      f"{getattr(error, 'problem', None) or error}",
                                     **({"line": mark.line + 1} if mark else {})}]) from None
    if not isinstance(data, dict):
        raise ValidationFailed([{"field": "definition", "message": "a workflow definition is an object with steps"}])
    return parse(WorkflowDefinition, data)
