"""The inline parameter block: ``/// stellascript`` ... ``///`` in the
script's own line comments (PEP 723's convention, with TOML inside)::

    # /// stellascript
    # [parameters.url]
    # type = "string"
    # required = true
    # ///

The comment prefix is the language profile's ``line_comment`` ("#" for
Python and Bash, "//" for Java, Go, TypeScript and C#). Every problem names
the script line it is on (field ``content``, ``line``), as syntax errors do.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from pydantic import ValidationError

from ..errors import ValidationFailed
from ..execution.fields import field_errors
from .models import ParameterDeclaration

BLOCK_TYPE = "stellascript"
# [typescript] type_check: whether type errors fail a TypeScript script's compile (languages/typescript.py).
TYPE_CHECKS = ("warn", "error")
_TOML_LINE = re.compile(r"at line (\d+)")
_TABLE = re.compile(r"""^\s*\[\s*parameters\s*\.\s*["']?([^\]"']+)["']?\s*\]""")


@dataclass(frozen=True)
class InlineParameter:
    declaration: ParameterDeclaration
    line: int  # of its [parameters.<name>] table in the script


def inline_block(content: str, line_comment: str) -> tuple[int, list[str], dict] | None:
    """The block's opening line, its TOML lines and their document (None: no block); ValidationFailed at its line."""
    block = _find_block(content, line_comment)
    if block is None:
        return None
    start, lines = block
    try:
        document = tomllib.loads("\n".join(lines))
    except tomllib.TOMLDecodeError as error:
        found = _TOML_LINE.search(str(error))
        line = start + int(found.group(1)) if found else start
        raise _failed(line, f"the {BLOCK_TYPE} block is not valid TOML: {error}") from None
    unknown = sorted(set(document) - {"parameters", "typescript"})
    if unknown:
        raise _failed(start, f"the {BLOCK_TYPE} block may only hold [parameters.<name>] tables and [typescript], "
                             f"not {', '.join(unknown)}")
    typescript = document.get("typescript", {})
    if not isinstance(typescript, dict) or set(typescript) - {"type_check"} or typescript.get("type_check", "warn") not in TYPE_CHECKS:
        raise _failed(start, f"[typescript] takes one key, type_check = {' or '.join(repr(m) for m in TYPE_CHECKS)}")
    return start, lines, document


def inline_type_check(content: str) -> str | None:
    """A TypeScript script's own ``[typescript] type_check`` (None: not set); ValidationFailed for a bad block."""
    block = inline_block(content, "//")
    return block[2].get("typescript", {}).get("type_check") if block else None


def inline_parameters(content: str, line_comment: str) -> list[InlineParameter]:
    """The script's inline declarations (none without a block); ValidationFailed naming the line of each problem."""
    block = inline_block(content, line_comment)
    if block is None:
        return []
    start, lines, document = block
    tables = document.get("parameters", {})
    if not isinstance(tables, dict):
        raise _failed(start, "parameters must be tables: [parameters.<name>]")
    table_lines = _table_lines(start, lines)
    found: list[InlineParameter] = []
    problems = []
    for name, table in tables.items():
        line = table_lines.get(name, start)
        if not isinstance(table, dict):
            problems.append(_problem(line, f"parameter {name!r} must be a table: [parameters.{name}]"))
            continue
        try:
            found.append(InlineParameter(ParameterDeclaration.model_validate({**table, "name": name}), line))
        except ValidationError as error:
            for problem in field_errors(error):
                where = "" if problem["field"] == "body" else f"{problem['field']}: "
                problems.append(_problem(line, f"parameter {name!r}: {where}{problem['message']}"))
    if problems:
        raise ValidationFailed(problems)
    return found


def _find_block(content: str, line_comment: str) -> tuple[int, list[str]] | None:
    """(line number of the opening line, the TOML lines) or None; a second
    block or one never closed is an error."""
    prefix = re.escape(line_comment)
    opening = re.compile(rf"^\s*{prefix} /// {BLOCK_TYPE}\s*$")
    closing = re.compile(rf"^\s*{prefix} ///\s*$")
    comment = re.compile(rf"^\s*{prefix}( ?)(.*)$")
    start: int | None = None
    body: list[str] = []
    result: tuple[int, list[str]] | None = None
    for number, text in enumerate(content.splitlines(), start=1):
        if start is None:
            if opening.match(text):
                if result is not None:
                    raise _failed(number, f"a second {BLOCK_TYPE} block (the first starts at line {result[0]}); "
                                          "declare every parameter in one")
                start, body = number, []
            continue
        if closing.match(text):
            result, start = (start, body), None
            continue
        line = comment.match(text)
        if line is None:
            raise _failed(number, f"line {number} is inside the {BLOCK_TYPE} block (from line {start}) but is not a "
                                  f"{line_comment} comment; close the block with '{line_comment} ///'")
        body.append(line.group(2))
    if start is not None:
        raise _failed(start, f"the {BLOCK_TYPE} block opened at line {start} is never closed with '{line_comment} ///'")
    return result


def _table_lines(start: int, lines: list[str]) -> dict[str, int]:
    table_lines = {}
    for offset, text in enumerate(lines, start=1):
        match = _TABLE.match(text)
        if match:
            table_lines.setdefault(match.group(1).strip(), start + offset)
    return table_lines


def _problem(line: int, message: str) -> dict:
    return {"field": "content", "message": message, "line": line}


def _failed(line: int, message: str) -> ValidationFailed:
    return ValidationFailed([_problem(line, message)])
