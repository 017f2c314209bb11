"""The record's declarations and the inline block's merge; a conflict names both places."""

from __future__ import annotations

import pytest

from jupyter_stellascript.errors import ValidationFailed
from jupyter_stellascript.parameters import ParameterDeclaration, effective_parameters

CONTENT = '# /// stellascript\n# [parameters.url]\n# type = "string"\n# required = true\n# ///\nprint(1)\n'


def test_record_and_inline_declarations_merge() -> None:
    record = [ParameterDeclaration(name="count", type="integer", default=1),
              ParameterDeclaration(name="url", type="string", required=True)]  # the same as inline: one parameter
    merged = effective_parameters(record, CONTENT, "#")
    assert [p.name for p in merged] == ["count", "url"]
    assert effective_parameters([], CONTENT, "#") == [ParameterDeclaration(name="url", required=True)]
    assert effective_parameters(record[:1], "print(1)\n", "#") == record[:1]


def test_a_conflict_names_both_places() -> None:
    record = [ParameterDeclaration(name="count", type="integer"), ParameterDeclaration(name="url", type="integer")]
    with pytest.raises(ValidationFailed) as caught:
        effective_parameters(record, CONTENT, "#")
    [error] = caught.value.errors
    assert error["field"] == "parameters[1]" and error["line"] == 2
    assert "declared differently in parameters[1] and in the script's stellascript block at line 2" in error["message"]
    assert "type: 'integer' vs 'string'" in error["message"] and "required: False vs True" in error["message"]


def test_a_name_declared_twice_on_the_record_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        effective_parameters([ParameterDeclaration(name="a"), ParameterDeclaration(name="a", type="integer")], "", "#")
    assert caught.value.errors == [{"field": "parameters[1]", "message": "parameter 'a' is declared twice"}]
