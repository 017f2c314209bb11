"""The JSON Schema of a version's parameters (``parameters_schema``), for
forms and clients. It describes the values a parameter means (an integer is
an integer); a run sends each as text ("200", "true"), which is what
/scripts/args.json holds after normalization.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .models import ParameterDeclaration
from .values import SECRET_NAME_RULE

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def parameters_schema(declarations: Sequence[ParameterDeclaration]) -> dict[str, Any]:
    """An object schema: one property per parameter; none declared: any string arguments."""
    if not declarations:
        return {"$schema": DIALECT, "type": "object", "additionalProperties": {"type": "string"}}
    return {
        "$schema": DIALECT,
        "type": "object",
        "properties": {declaration.name: property_schema(declaration) for declaration in declarations},
        "required": [declaration.name for declaration in declarations if declaration.required],
        "additionalProperties": False,
    }


def property_schema(declaration: ParameterDeclaration) -> dict[str, Any]:
    schema: dict[str, Any] = dict(_TYPES[declaration.type])
    if declaration.type == "enum":
        schema["enum"] = list(declaration.values or [])
    if declaration.pattern is not None:
        # Python's fullmatch, said the way JSON Schema's unanchored search understands it.
        schema["pattern"] = f"^(?:{declaration.pattern})$"
    if declaration.minimum is not None:
        schema["minimum"] = declaration.minimum
    if declaration.maximum is not None:
        schema["maximum"] = declaration.maximum
    if declaration.description:
        schema["description"] = declaration.description
    if declaration.default is not None:
        schema["default"] = declaration.default
    return schema


_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "enum": {"type": "string"},
    "json": {},  # any JSON value
    "secret": {"type": "string", "pattern": SECRET_NAME_RULE, "x-stellascript-secret": True},
}
