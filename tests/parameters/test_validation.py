"""A run's arguments against the declarations: one problem per parameter, defaults, normalized text."""

from __future__ import annotations

import pytest

from jupyter_stellascript.errors import ValidationFailed
from jupyter_stellascript.parameters import ParameterDeclaration, secret_names, validate_arguments

DECLARED = [
    ParameterDeclaration(name="url", required=True, pattern="https?://.+"),
    ParameterDeclaration(name="status", type="integer", default=200, minimum=100, maximum=599),
    ParameterDeclaration(name="ratio", type="number"),
    ParameterDeclaration(name="verbose", type="boolean", default=False),
    ParameterDeclaration(name="mode", type="enum", values=["fast", "slow"]),
    ParameterDeclaration(name="body", type="json", default={"k": 1}),
    ParameterDeclaration(name="token", type="secret"),
]


def test_no_declarations_take_arguments_as_they_are() -> None:
    assert validate_arguments([], {"anything": " as is "}) == {"anything": " as is "}


def test_defaults_are_filled_and_values_normalized() -> None:
    assert validate_arguments(DECLARED, {"url": "https://x", "ratio": "0.50", "verbose": "YES", "token": "prod-db"}) == {
        "url": "https://x", "status": "200", "ratio": "0.5", "verbose": "true", "body": '{"k":1}', "token": "prod-db"}


def test_every_problem_is_reported_by_parameter() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_arguments(DECLARED, {"status": "99", "ratio": "x", "mode": "medium", "body": "{", "token": "a b",
                                      "verbose": "perhaps", "urll": "typo"})
    by_field = {error["field"]: error["message"] for error in caught.value.errors}
    assert set(by_field) == {"arguments.urll", "arguments.url", "arguments.status", "arguments.ratio", "arguments.verbose",
                             "arguments.mode", "arguments.body", "arguments.token"}
    assert by_field["arguments.urll"].startswith("this script has no parameter 'urll' (it takes url, status, ratio")
    assert by_field["arguments.url"] == "is required"
    assert by_field["arguments.status"] == "integer: 99 is less than the minimum 100"
    assert by_field["arguments.mode"] == "enum: 'medium' is not one of fast, slow"


def test_secret_names_are_those_the_arguments_name() -> None:
    declared = DECLARED + [ParameterDeclaration(name="other", type="secret", default="shared")]
    normalized = validate_arguments(declared, {"url": "http://x", "token": "prod-db"})
    assert secret_names(declared, normalized) == ["prod-db", "shared"]
    assert secret_names(declared, validate_arguments(declared, {"url": "http://x", "token": "shared"})) == ["shared"]
    assert secret_names([], {"token": "x"}) == []
