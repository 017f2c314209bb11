"""parameters_schema: a JSON Schema that a standard validator applies as the declarations mean."""

from __future__ import annotations

import jsonschema
import pytest

from jupyter_stellascript.parameters import ParameterDeclaration, parameters_schema

DECLARED = [
    ParameterDeclaration(name="url", required=True, pattern="https?://[a-z.]+", description="Endpoint"),
    ParameterDeclaration(name="status", type="integer", default=200, minimum=100, maximum=599),
    ParameterDeclaration(name="verbose", type="boolean"),
    ParameterDeclaration(name="mode", type="enum", values=["fast", "slow"]),
    ParameterDeclaration(name="body", type="json"),
    ParameterDeclaration(name="token", type="secret"),
]


def test_the_schema_describes_each_parameter() -> None:
    schema = parameters_schema(DECLARED)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["url"] and schema["additionalProperties"] is False
    assert schema["properties"]["url"] == {"type": "string", "pattern": "^(?:https?://[a-z.]+)$", "description": "Endpoint"}
    assert schema["properties"]["status"] == {"type": "integer", "minimum": 100, "maximum": 599, "default": 200}
    assert schema["properties"]["mode"] == {"type": "string", "enum": ["fast", "slow"]}
    assert schema["properties"]["token"]["x-stellascript-secret"] is True


@pytest.mark.parametrize("value, valid", [
    ({"url": "https://example.org"}, True),
    ({"url": "https://example.org", "status": 404, "verbose": True, "mode": "slow", "body": [1], "token": "db"}, True),
    ({}, False),
    ({"url": "https://example.org/x"}, False),  # the pattern must match the whole value
    ({"url": "https://example.org", "status": 600}, False),
    ({"url": "https://example.org", "mode": "medium"}, False),
    ({"url": "https://example.org", "token": "../x"}, False),
    ({"url": "https://example.org", "other": "x"}, False),
])
def test_a_standard_validator_agrees(value: dict, valid: bool) -> None:
    assert jsonschema.Draft202012Validator(parameters_schema(DECLARED)).is_valid(value) is valid


def test_no_declarations_mean_any_string_arguments() -> None:
    schema = parameters_schema([])
    assert jsonschema.Draft202012Validator(schema).is_valid({"anything": "x"})
    assert not jsonschema.Draft202012Validator(schema).is_valid({"anything": 1})
