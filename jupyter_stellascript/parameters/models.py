"""A script's declared parameter: one pydantic model with its consistency rules.

A declaration comes from the registry record (``parameters: [...]`` in a
create or update body) or from the script's inline ``# /// stellascript``
block (inline.py); both are checked by this one model, so a rule is written once.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .values import coerce

# Identifier-like: a letter or underscore, then letters, digits or underscores,
# at most 64 in all. Such a name is a bare TOML key, a JSON Schema property and
# a valid variable name in all six languages, so no one has to quote it.
NAME_RULE = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
NAME_RULE_TEXT = "a letter or '_', then letters, digits or '_', at most 64 characters"
MAX_DESCRIPTION = 2000
MAX_ENUM_VALUES = 200
MAX_PATTERN = 500

ParameterType = Literal["string", "integer", "number", "boolean", "enum", "json", "secret"]
PARAMETER_TYPES: tuple[str, ...] = ParameterType.__args__  # type: ignore[attr-defined]


def _name(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(NAME_RULE, value):
        raise ValueError(f"parameter name {value!r} is not valid: {NAME_RULE_TEXT}")
    return value


class ParameterDeclaration(BaseModel):
    """One parameter a script version takes; its argument arrives in /scripts/args.json."""

    # A misspelt key (requried = true) must not be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(description=f"The argument's key: {NAME_RULE_TEXT}.", pattern=NAME_RULE)]
    type: ParameterType = Field(default="string", description="secret: the value is the name of a secret, not the secret itself.")
    required: bool = Field(default=False, strict=True, description="A run without this argument is refused. Excludes default.")
    default: Any = Field(default=None, description="Used when the argument is left out; must satisfy this declaration.")
    description: Annotated[str, Field(strict=True, max_length=MAX_DESCRIPTION)] = ""
    values: list[Annotated[str, Field(strict=True, min_length=1)]] | None = Field(
        default=None, max_length=MAX_ENUM_VALUES, description="enum only (and required for it): the allowed values.")
    pattern: Annotated[str, Field(strict=True, max_length=MAX_PATTERN)] | None = Field(
        default=None, description="string only: a regular expression the whole value must match.")
    minimum: float | None = Field(default=None, description="integer and number only: the smallest allowed value.")
    maximum: float | None = Field(default=None, description="integer and number only: the largest allowed value.")

    @field_validator("name", mode="before")
    @classmethod
    def _identifier_like(cls, value: Any) -> Any:
        return _name(value)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                regex.compile(pattern)
            except regex.error as error:
                raise ValueError(f"pattern {pattern!r} is not a regular expression: {error}") from None
        return pattern

    @field_validator("minimum", "maximum")
    @classmethod
    def _finite(cls, bound: float | None) -> float | None:
        if bound is not None and not math.isfinite(bound):
            raise ValueError("bounds must be finite numbers")
        return bound

    @model_validator(mode="after")
    def _consistent(self) -> "ParameterDeclaration":
        problems = []
        if self.type == "enum":
            if not self.values:
                problems.append("an enum parameter needs values (a non-empty list of strings)")
            elif len(set(self.values)) != len(self.values):
                problems.append("enum values must be distinct")
        elif self.values is not None:
            problems.append(f"values are for enum parameters, not {self.type}")
        if self.pattern is not None and self.type != "string":
            problems.append(f"pattern is for string parameters, not {self.type}")
        if self.type not in ("integer", "number"):
            problems += [f"{bound} is for integer and number parameters, not {self.type}"
                         for bound in ("minimum", "maximum") if getattr(self, bound) is not None]
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            problems.append(f"minimum {self.minimum:g} is greater than maximum {self.maximum:g}")
        if self.required and self.default is not None:
            problems.append("a required parameter has no default (a default makes it optional)")
        if problems:
            raise ValueError("; ".join(problems))
        if self.default is not None:
            try:
                coerce(self, self.default)
            except ValueError as error:
                raise ValueError(f"the default does not fit the declaration: {error}") from None
        return self

    def stored(self) -> dict[str, Any]:
        """As stored and returned: what was declared, without unset options."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)


def declarations_of(stored: list[dict[str, Any]] | None) -> list[ParameterDeclaration]:
    """Declarations as a version stores them (ParameterDeclaration.stored()) back as models."""
    return [ParameterDeclaration.model_validate(item) for item in stored or ()]
