"""The inline '/// stellascript' block in each language's line comments, and its errors at their lines."""

from __future__ import annotations

import pytest

from jupyter_stellascript.errors import ValidationFailed
from jupyter_stellascript.languages import LANGUAGES
from jupyter_stellascript.parameters.inline import inline_parameters

BLOCK = """\
{c} /// stellascript
{c} [parameters.url]
{c} type = "string"
{c} required = true
{c} description = "Endpoint to check"
{c}
{c} [parameters.expected_status]
{c} type = "integer"
{c} default = 200
{c} ///
"""

SCRIPTS = {  # a line of code before the block, as a real script has
    "python": "import json\n", "bash": "#!/usr/bin/env bash\n", "java": "import java.util.Map;\n",
    "go": "package main\n", "typescript": 'import { readFileSync } from "fs";\n', "csharp": "using System;\n",
}


def test_every_language_states_its_comment_syntax() -> None:
    assert {name: language.line_comment for name, language in LANGUAGES.items()} == {
        "python": "#", "bash": "#", "java": "//", "go": "//", "typescript": "//", "csharp": "//"}


@pytest.mark.parametrize("language", sorted(SCRIPTS))
def test_the_block_is_read_in_each_language(language: str) -> None:
    comment = LANGUAGES[language].line_comment
    content = SCRIPTS[language] + BLOCK.format(c=comment) + "rest of the script\n"
    found = inline_parameters(content, comment)
    assert [(p.declaration.name, p.declaration.type, p.line) for p in found] == [("url", "string", 3), ("expected_status", "integer", 8)]
    assert found[0].declaration.required and found[0].declaration.description == "Endpoint to check"
    assert found[1].declaration.default == 200


def test_indented_blocks_and_other_comment_syntaxes() -> None:
    indented = "    // /// stellascript\n    // [parameters.n]\n    // type = \"number\"\n    // ///\n"
    assert [p.declaration.type for p in inline_parameters(indented, "//")] == ["number"]
    # A '#' block in a '//' language is a comment of nothing: no parameters.
    assert inline_parameters(BLOCK.format(c="#"), "//") == []
    assert inline_parameters("print('no block')\n", "#") == []
    # PEP 723's own block is not ours.
    assert inline_parameters("# /// script\n# dependencies = []\n# ///\n", "#") == []


def problems(content: str, comment: str = "#") -> list[dict]:
    with pytest.raises(ValidationFailed) as caught:
        inline_parameters(content, comment)
    return caught.value.errors


@pytest.mark.parametrize("comment", ["#", "//"])
def test_errors_name_their_line(comment: str) -> None:
    c = comment
    never_closed = f"x\n{c} /// stellascript\n{c} [parameters.a]\n"
    assert problems(never_closed, c) == [{"field": "content", "line": 2, "message":
                                          f"the stellascript block opened at line 2 is never closed with '{c} ///'"}]
    not_a_comment = f"{c} /// stellascript\n{c} [parameters.a]\ntype = 1\n{c} ///\n"
    assert problems(not_a_comment, c)[0]["line"] == 3
    bad_toml = f"x\ny\n{c} /// stellascript\n{c} [parameters.a]\n{c} type = string\n{c} ///\n"
    [error] = problems(bad_toml, c)
    assert error["line"] == 5 and "not valid TOML" in error["message"]
    bad_declaration = f"{c} /// stellascript\n{c} [parameters.a]\n{c} type = \"text\"\n{c} [parameters.b]\n{c} type = \"enum\"\n{c} ///\n"
    errors = problems(bad_declaration, c)
    assert [(e["line"], e["message"].split(":")[0]) for e in errors] == [(2, "parameter 'a'"), (4, "parameter 'b'")]
    assert "an enum parameter needs values" in errors[1]["message"]
    bad_name = f"{c} /// stellascript\n{c} [parameters.\"has space\"]\n{c} type = \"string\"\n{c} ///\n"
    assert problems(bad_name, c)[0]["line"] == 2 and "is not valid" in problems(bad_name, c)[0]["message"]
    other_table = f"{c} /// stellascript\n{c} [tool]\n{c} x = 1\n{c} ///\n"
    assert "may only hold [parameters.<name>] tables and [typescript], not tool" in problems(other_table, c)[0]["message"]
    two_blocks = f"{c} /// stellascript\n{c} ///\n{c} /// stellascript\n{c} ///\n"
    assert problems(two_blocks, c)[0]["line"] == 3
