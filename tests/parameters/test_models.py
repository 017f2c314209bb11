"""ParameterDeclaration: the name rule and each consistency rule, as a record or an inline block declares them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from jupyter_stellascript.parameters import ParameterDeclaration, declarations_of


def refused(**fields) -> str:
    with pytest.raises(ValidationError) as caught:
        ParameterDeclaration(**fields)
    return str(caught.value)


@pytest.mark.parametrize("name", ["url", "_x", "Expected_Status2", "a" * 64])
def test_identifier_like_names_are_accepted(name: str) -> None:
    assert ParameterDeclaration(name=name).name == name


@pytest.mark.parametrize("name", ["", "2x", "has space", "a-b", "a.b", "é", "a" * 65, 5])
def test_other_names_are_refused_saying_the_rule(name) -> None:
    assert "a letter or '_', then letters, digits or '_'" in refused(name=name)


@pytest.mark.parametrize("fields, problem", [
    ({"type": "enum"}, "an enum parameter needs values"),
    ({"type": "enum", "values": []}, "an enum parameter needs values"),
    ({"type": "enum", "values": ["a", "a"]}, "enum values must be distinct"),
    ({"type": "string", "values": ["a"]}, "values are for enum parameters, not string"),
    ({"type": "integer", "pattern": "x"}, "pattern is for string parameters, not integer"),
    ({"type": "string", "pattern": "("}, "is not a regular expression"),
    ({"type": "string", "pattern": "[z-a]"}, "is not a regular expression"),
    ({"type": "string", "minimum": 1}, "minimum is for integer and number parameters, not string"),
    ({"type": "boolean", "maximum": 1}, "maximum is for integer and number parameters, not boolean"),
    ({"type": "integer", "minimum": 5, "maximum": 1}, "minimum 5 is greater than maximum 1"),
    ({"type": "number", "minimum": float("inf")}, "bounds must be finite"),
    ({"type": "string", "required": True, "default": "x"}, "a required parameter has no default"),
    ({"type": "integer", "default": "abc"}, "the default does not fit the declaration: expected an integer"),
    ({"type": "integer", "default": 3, "maximum": 2}, "the default does not fit the declaration: 3 is greater than the maximum 2"),
    ({"type": "enum", "values": ["a"], "default": "b"}, "'b' is not one of a"),
    ({"type": "string", "pattern": "[a-z]+", "default": "A1"}, "does not match the pattern"),
    ({"type": "secret", "default": "../x"}, "is not a secret's name"),
    ({"type": "date"}, "Input should be 'string', 'integer'"),
    ({"requried": True}, "Extra inputs are not permitted"),
    ({"required": "yes"}, "Input should be a valid boolean"),
])
def test_inconsistent_declarations_are_refused(fields: dict, problem: str) -> None:
    assert problem in refused(name="p", **fields)


def test_consistent_declarations_round_trip_as_stored() -> None:
    declared = [ParameterDeclaration(name="url", required=True, description="Endpoint"),
                ParameterDeclaration(name="status", type="integer", default=200, minimum=100, maximum=599),
                ParameterDeclaration(name="mode", type="enum", values=["fast", "slow"], default="fast"),
                ParameterDeclaration(name="body", type="json", default={"a": [1]}),
                ParameterDeclaration(name="token", type="secret")]
    stored = [declaration.stored() for declaration in declared]
    assert stored[1] == {"name": "status", "type": "integer", "required": False, "default": 200, "description": "",
                         "minimum": 100, "maximum": 599}
    assert declarations_of(stored) == declared
