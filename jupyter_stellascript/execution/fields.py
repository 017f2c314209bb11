"""The field types requests share, each carrying its one rule.

A rule about what a run may be asked for (a script is text without NUL bytes
and at most 1 MiB, an entry point is a plain file name of the language, an
argument maps a string to a string, a timeout is positive...) is written here
once and used by every model that has such a field: the REST bodies, the
engine's ExecutionRequest and the registry's script bodies. What a *server*
allows on top (maximum timeout, memory and CPUs, which network modes) is the
RunPolicy's (policy.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationError, ValidationInfo, WithJsonSchema, field_validator

from ..errors import ValidationFailed
from ..units import parse_size

if TYPE_CHECKING:
    from ..languages import Language

# The languages package is imported where it is used: languages/base.py itself
# needs execution.models (ResourceLimits), which needs these fields.

MIB = 1024 * 1024
MAX_SOURCE_BYTES = MIB
MIN_MEMORY_BYTES = 16 * MIB
MIN_DISK_BYTES = MIB
CPU_RANGE = (0.01, 64.0)


Model = TypeVar("Model", bound=BaseModel)


class InvalidRequest(ValidationFailed, ValueError):
    """A run's request is malformed or not allowed; nothing was run.

    Like every ValidationFailed, ``errors`` lists each problem as {field,
    message} (a 400 answer carries them); str() joins the messages.
    """

    def __init__(self, errors: list[dict[str, Any]] | str) -> None:
        super().__init__([{"field": "request", "message": errors}] if isinstance(errors, str) else errors)


def parse(model: type[Model], data: Any) -> Model:
    """``data`` as a ``model``, or ValidationFailed naming every field's problem."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(field_errors(error)) from None


def field_errors(error: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as [{field, message}]: ``arguments.x``, ``dependencies[0]``."""
    problems = []
    for item in error.errors(include_url=False):
        path = ""
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = str(item["ctx"]["error"]) if item["type"] == "value_error" else item["msg"]
        problems.append({"field": path or "body", "message": message})
    return problems


# -- the script's text ------------------------------------------------------------------


def check_source(text: str) -> str:
    if "\0" in text:
        raise ValueError("the script contains NUL bytes; scripts must be text")
    if len(text.encode()) > MAX_SOURCE_BYTES:
        raise ValueError(f"the script is larger than {MAX_SOURCE_BYTES} bytes (1 MiB of UTF-8)")
    return text


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("content is required and must be text")
    return text


Source = Annotated[str, Field(strict=True), AfterValidator(check_source)]
# A script's content as the API takes it: Source, and not empty.
Content = Annotated[
    str, Field(strict=True, description="UTF-8 text without NUL bytes, at most 1 MiB."),
    AfterValidator(_not_blank), AfterValidator(check_source),
]


def resolve_entry_point(language: "Language", source: str, entry_point: str | None) -> str:
    """The file the script is staged as: the one asked for, else the
    language's default for this source (Java's follows the public class)."""
    chosen = entry_point or language.default_entry_point(source)
    problems = language.validate_entry_point(chosen)
    if problems:
        raise ValueError("; ".join(problems))
    return chosen


def entry_point_field(language_field: str, source_field: str) -> Any:
    """A model's ``entry_point`` validator: resolve_entry_point from two of
    its other fields (declare entry_point after them, with validate_default)."""

    def validate(cls: type, entry_point: str | None, info: ValidationInfo) -> str | None:
        if language_field not in info.data or source_field not in info.data:
            return entry_point  # their own errors are reported
        from ..languages import get_language

        return resolve_entry_point(get_language(info.data[language_field]), info.data[source_field], entry_point)

    return field_validator("entry_point")(validate)


# -- languages --------------------------------------------------------------------------


def _api_language(name: Any) -> str:
    from ..languages import LANGUAGES

    # The API takes names only: aliases such as "py" are for people at a terminal.
    if not isinstance(name, str) or name not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {name!r}")
    return name


def _any_language(name: str) -> str:
    from ..languages import get_language

    return get_language(name).name  # UnknownLanguage is a ValueError naming the known ones


# Described by openapi.json's Language schema (openapi.py puts the $ref in place of the marker).
LanguageName = Annotated[Any, AfterValidator(_api_language), WithJsonSchema({"type": "string", "x-component": "Language"})]
LanguageOrAlias = Annotated[str, AfterValidator(_any_language)]


# -- arguments and environment --------------------------------------------------------


def _string_map(field: str, singular: str, name_ok) -> Any:
    """One error on the map itself, naming the offending key and what is wrong with it."""

    def check(value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(f"{field} must be an object of strings")
        for key, text in value.items():
            if not isinstance(key, str) or not isinstance(text, str):
                raise ValueError(f"{singular} {key!r} must map a string to a string")
            if not key:
                raise ValueError(f"{singular} names must not be empty")
            if "\0" in key:
                raise ValueError(f"{singular} name {key!r} is not valid: it contains a NUL byte")
            if not name_ok(key):
                raise ValueError(f"{singular} name {key!r} is not valid")
            if "\0" in text:
                raise ValueError(f"the value of {singular} {key!r} contains a NUL byte; values must be text without NUL bytes")
        return value

    return BeforeValidator(check)


Arguments = Annotated[
    dict[str, str], _string_map("arguments", "argument", lambda key: True),
    Field(description="Written to /scripts/args.json in the container. When the script declares parameters, they are "
                      "checked against them (a 400 with one error per parameter, arguments.<name>; nothing is queued), "
                      "defaults are filled in and values normalized."),
]
# The platform sets these for every run (STELLASCRIPT_OUTPUT names the outputs
# file); a request that sets one would be silently overridden, so it is refused.
RESERVED_ENV_PREFIX = "STELLASCRIPT_"


def reserved_environment_problem(key: str) -> str | None:
    """Why a request may not set the variable ``key``, or None."""
    if key.upper().startswith(RESERVED_ENV_PREFIX):
        return f"environment variable {key!r} is reserved: names starting with {RESERVED_ENV_PREFIX} are set by Stella Script"
    return None


def _environment_name_ok(key: str) -> bool:
    problem = reserved_environment_problem(key)
    if problem:
        raise ValueError(problem)
    return "=" not in key


Environment = Annotated[
    dict[str, str], _string_map("environment", "environment variable", _environment_name_ok),
    Field(description=f"Environment variables of the run (names without '='; {RESERVED_ENV_PREFIX}* is reserved)."),
]


# -- limits -----------------------------------------------------------------------------


def _positive_timeout(seconds: float) -> float:
    if not seconds > 0:
        raise ValueError(f"timeout must be positive (a number of seconds), not {seconds:g}")
    return float(seconds)


def _memory_bytes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("memory must be a size like 256m or 1g, or a number of bytes")
    size = parse_size(value)
    if size < MIN_MEMORY_BYTES:
        raise ValueError("memory limit must be at least 16 MiB")
    return size


def _disk_bytes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("disk must be a size like 64m or 1g, or a number of bytes")
    size = parse_size(value)
    if size < MIN_DISK_BYTES:
        raise ValueError("disk must be at least 1 MiB")
    return size


def _cpus(value: float) -> float:
    low, high = CPU_RANGE
    if not low <= value <= high:
        raise ValueError(f"cpus must be between {low:g} and {high:g}")
    return float(value)


Seconds = Annotated[float, Field(strict=True), AfterValidator(_positive_timeout)]
MemoryBytes = Annotated[
    Any, AfterValidator(_memory_bytes),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": MIN_MEMORY_BYTES}, {"type": "string", "examples": ["256m", "1g"]}],
                    "description": "Memory limit: a size like 256m or 1g, or bytes (at least 16 MiB)."}),
]
Cpus = Annotated[float, Field(strict=True), AfterValidator(_cpus)]
DiskBytes = Annotated[
    Any, AfterValidator(_disk_bytes),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": MIN_DISK_BYTES}, {"type": "string", "examples": ["64m", "1g"]}],
                    "description": "Size of the run's /work, a tmpfs charged to its memory: a size like 64m, or bytes "
                                   "(at least 1 MiB, at most half the run's memory)."}),
]
