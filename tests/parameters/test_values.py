"""Each type's accepted values (and their normalized args.json text) and refused ones."""

from __future__ import annotations

import pytest

from jupyter_stellascript.parameters import ParameterDeclaration
from jupyter_stellascript.parameters.values import coerce

ACCEPTED = [
    ({"type": "string"}, "any text", "any text"),
    ({"type": "string"}, "", ""),
    ({"type": "string", "pattern": "https?://.+"}, "https://example.org", "https://example.org"),
    ({"type": "integer"}, "42", "42"),
    ({"type": "integer"}, " +007 ", "7"),
    ({"type": "integer"}, -3, "-3"),
    ({"type": "integer", "minimum": 1, "maximum": 10}, "10", "10"),
    ({"type": "number"}, "1.50", "1.5"),
    ({"type": "number"}, "2", "2"),
    ({"type": "number"}, "2.0", "2"),
    ({"type": "number"}, "1e3", "1000"),
    ({"type": "number"}, 0.25, "0.25"),
    ({"type": "number", "minimum": 0, "maximum": 1}, "0.5", "0.5"),
    ({"type": "boolean"}, "true", "true"),
    ({"type": "boolean"}, "Yes", "true"),
    ({"type": "boolean"}, "0", "false"),
    ({"type": "boolean"}, False, "false"),
    ({"type": "enum", "values": ["fast", "slow"]}, "slow", "slow"),
    ({"type": "json"}, '{ "a" : [1, 2] }', '{"a":[1,2]}'),
    ({"type": "json"}, '"text"', '"text"'),
    ({"type": "json"}, {"ü": None}, '{"ü":null}'),
    ({"type": "secret"}, "prod-db.v2_x", "prod-db.v2_x"),
]

REFUSED = [
    ({"type": "string"}, 5, "expected text"),
    ({"type": "string", "pattern": "[a-z]+"}, "abc1", "does not match the pattern"),
    # Catastrophic backtracking is cut off, not waited for.
    ({"type": "string", "pattern": "(x+x+)+y"}, "x" * 5000, "takes too long to check against this value"),
    ({"type": "integer"}, "4.5", "expected an integer, not '4.5'"),
    ({"type": "integer"}, "ten", "expected an integer"),
    ({"type": "integer"}, True, "expected an integer"),
    ({"type": "integer"}, "", "expected an integer"),
    ({"type": "integer", "minimum": 1}, "0", "0 is less than the minimum 1"),
    ({"type": "integer", "maximum": 10}, "11", "11 is greater than the maximum 10"),
    ({"type": "number"}, "abc", "expected a number"),
    ({"type": "number"}, "nan", "expected a finite number"),
    ({"type": "number"}, "inf", "expected a finite number"),
    ({"type": "number"}, "1_000", "expected a number"),
    ({"type": "number", "maximum": 1}, "1.5", "1.5 is greater than the maximum 1"),
    ({"type": "boolean"}, "maybe", "expected true or false"),
    ({"type": "boolean"}, 1, "expected true or false"),
    ({"type": "enum", "values": ["fast", "slow"]}, "Fast", "'Fast' is not one of fast, slow"),
    ({"type": "json"}, "{a: 1}", "not JSON"),
    ({"type": "json"}, "", "not JSON"),
    ({"type": "secret"}, "", "is not a secret's name"),
    ({"type": "secret"}, "-x", "is not a secret's name"),
    ({"type": "secret"}, "a/b", "is not a secret's name"),
    ({"type": "secret"}, "x" * 101, "is not a secret's name"),
]


@pytest.mark.parametrize("fields, value, normalized", ACCEPTED)
def test_accepted_values_are_normalized(fields: dict, value, normalized: str) -> None:
    assert coerce(ParameterDeclaration(name="p", **fields), value) == normalized


@pytest.mark.parametrize("fields, value, problem", REFUSED)
def test_refused_values_say_why(fields: dict, value, problem: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        coerce(ParameterDeclaration(name="p", **fields), value)
    assert problem in str(caught.value)


def test_every_type_is_covered_both_ways() -> None:
    from jupyter_stellascript.parameters.models import PARAMETER_TYPES

    assert {fields["type"] for fields, _, _ in ACCEPTED} == set(PARAMETER_TYPES)
    assert {fields["type"] for fields, _, _ in REFUSED} == set(PARAMETER_TYPES)
