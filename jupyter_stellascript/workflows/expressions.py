"""The ``${{ … }}`` expression language of workflow definitions.

GitHub Actions' vocabulary, and only it: ``inputs.<name>``,
``steps.<id>.outputs.<key>``, ``steps.<id>.status``, ``item`` (in a fan-out),
``success()``, ``failure()``, ``always()``, ``cancelled()``, comparisons
(``== != < <= > >=``), ``&& || !``, parentheses and literals ('text' or
"text", numbers, true, false, null). The grammar is Lark's (a kept parser
library); evaluation walks the parse tree over plain JSON data, so there is
nothing to reach beyond the names above: no attributes of Python objects, no
calls but the four status functions, never ``eval``.

Semantics follow GitHub's: a missing key is null; ``&&``/``||`` give one
of their operands; false, 0, "", null are falsy; values of different types
compare as numbers ('90' == 90).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: compare (_AND compare)*
?compare: unary (COMPARISON unary)?
?unary: "!" unary -> negate
      | primary
?primary: literal
        | call
        | path
        | "(" or_expr ")"
call: NAME "(" ")"
path: NAME (("." NAME) | ("[" index "]"))*
?index: STRING -> string
      | INT -> number
literal: STRING -> string
       | SIGNED_NUMBER -> number
       | "true" -> true
       | "false" -> false
       | "null" -> null
_OR: "||"
_AND: "&&"
COMPARISON: "==" | "!=" | "<=" | ">=" | "<" | ">"
NAME: /(?!(true|false|null)\b)[A-Za-z_][A-Za-z0-9_-]*/
STRING: /'(?:[^']|'')*'/ | /"(?:[^"\\]|\\.)*"/
%import common.INT
%import common.SIGNED_NUMBER
%import common.WS
%ignore WS
"""

ROOTS = ("inputs", "steps", "item")
FUNCTIONS = ("success", "failure", "always", "cancelled")
TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.S)


class ExpressionError(ValueError):
    """An expression that does not parse, or names what the language has not."""


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)


@lru_cache(maxsize=4096)
def parse(expression: str) -> Tree | Token:
    """The parse tree of one expression (what is between ``${{`` and ``}}``)."""
    try:
        return _parser().parse(expression)
    except UnexpectedInput as error:
        raise ExpressionError(f"cannot parse {expression.strip()!r} at column {error.column}: "
                              f"{_expected(error)}") from None
    except LarkError as error:
        raise ExpressionError(f"cannot parse {expression.strip()!r}: {error}") from None


_TOKEN_NAMES = {"RPAR": "')'", "LPAR": "'('", "DOT": "'.'", "LSQB": "'['", "RSQB": "']'", "COMPARISON": "a comparison",
                "_AND": "'&&'", "_OR": "'||'", "BANG": "'!'", "NAME": "a name", "STRING": "a string", "INT": "a number",
                "SIGNED_NUMBER": "a number", "TRUE": "true", "FALSE": "false", "NULL": "null", "$END": "the end"}


def _expected(error: UnexpectedInput) -> str:
    expected = sorted({_TOKEN_NAMES.get(name, name) for name in
                       getattr(error, "expected", None) or getattr(error, "allowed", None) or ()})
    return f"expected {' or '.join(expected)}" if expected else "unexpected text"


@dataclass(frozen=True)
class Reference:
    """A name an expression reads: ``steps.smoke.outputs.summary`` is ('steps', 'smoke', 'outputs', 'summary')."""

    parts: tuple[str | int, ...]

    def __str__(self) -> str:
        return ".".join(str(part) for part in self.parts)


def references(tree: Tree | Token) -> Iterator[Reference]:
    for node in _walk(tree):
        if node.data == "path":
            yield Reference(tuple(_path_parts(node)))


def calls(tree: Tree | Token) -> Iterator[str]:
    for node in _walk(tree):
        if node.data == "call":
            yield str(node.children[0])


def _walk(tree: Tree | Token) -> Iterator[Tree]:
    if isinstance(tree, Tree):
        yield from tree.iter_subtrees_topdown()


def _path_parts(node: Tree) -> Iterator[str | int]:
    for child in node.children:
        if isinstance(child, Token):
            yield str(child)
        else:  # an index
            yield _literal(child)


def expressions_in(text: str) -> list[str]:
    """The expressions inside ``${{ }}`` in a string."""
    return [match.group(1) for match in TEMPLATE.finditer(text)]


# -- evaluation ------------------------------------------------------------------------


@dataclass
class Context:
    """What an expression may read. ``steps`` maps a step id to {"outputs": {...}, "status": "..."};
    ``needs_failed`` / ``needs_succeeded`` / ``cancelled`` answer the status functions."""

    inputs: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    item: Any = None
    has_item: bool = False
    needs_succeeded: bool = True
    needs_failed: bool = False
    cancelled: bool = False

    def root(self, name: str) -> Any:
        if name == "inputs":
            return self.inputs
        if name == "steps":
            return self.steps
        if name == "item" and self.has_item:
            return self.item
        raise ExpressionError(f"unknown name {name!r}: expressions read {', '.join(ROOTS)}"
                              + (" (item only in a for_each step)" if name == "item" else ""))


def evaluate(expression: str, context: Context) -> Any:
    return _Evaluator(context).value(parse(expression))


def truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, (list, dict)):
        return True  # as in GitHub's expressions, even when empty
    return value not in (None, False, 0, "")


def render(template: str, context: Context) -> Any:
    """A string with ``${{ }}`` in it: one whole expression keeps its value's
    type (a for_each list, a number); within text, values become text."""
    whole = _whole_expression(template)
    if whole is not None:
        return evaluate(whole, context)
    return TEMPLATE.sub(lambda match: as_text(evaluate(match.group(1), context)), template)


def condition(template: str, context: Context) -> bool:
    """An ``if:``: with or without ``${{ }}``; a condition without a status function means success() && it."""
    whole = _whole_expression(template)
    tree = parse(whole if whole is not None else template.strip())
    value = truthy(_Evaluator(context).value(tree))
    if not any(name in ("failure", "always", "cancelled") for name in calls(tree)):
        value = value and context.needs_succeeded and not context.cancelled
    return value


def condition_calls(template: str) -> list[str]:
    """The functions an ``if:`` calls."""
    whole = _whole_expression(template)
    return list(calls(parse(whole if whole is not None else template.strip())))


def _whole_expression(template: str) -> str | None:
    """The expression when the text is exactly one ``${{ }}`` (blanks around it aside)."""
    text = template.strip()
    matches = list(TEMPLATE.finditer(text))
    if len(matches) == 1 and matches[0].span() == (0, len(text)):
        return matches[0].group(1)
    return None


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


class _Evaluator:
    def __init__(self, context: Context) -> None:
        self.context = context

    def value(self, node: Tree | Token) -> Any:
        kind = node.data
        if kind in ("string", "number", "true", "false", "null"):
            return _literal(node)
        if kind == "path":
            return self._path(node)
        if kind == "call":
            return self._call(str(node.children[0]))
        if kind == "negate":
            return not truthy(self.value(node.children[0]))
        if kind == "and_expr":
            result = None
            for child in node.children:
                result = self.value(child)
                if not truthy(result):
                    return result
            return result
        if kind == "or_expr":
            result = None
            for child in node.children:
                result = self.value(child)
                if truthy(result):
                    return result
            return result
        if kind == "compare":
            left, operator, right = node.children
            return _compare(self.value(left), str(operator), self.value(right))
        raise ExpressionError(f"unsupported expression {kind}")  # the grammar has no other node

    def _path(self, node: Tree) -> Any:
        parts = list(_path_parts(node))
        current = self.context.root(str(parts[0]))
        for part in parts[1:]:
            # Plain JSON data only: a key of an object, an index of an array.
            if isinstance(current, dict):
                current = current.get(part) if isinstance(part, str) else current.get(str(part))
            elif isinstance(current, list) and isinstance(part, int) and not isinstance(part, bool):
                current = current[part] if -len(current) <= part < len(current) else None
            else:
                return None
        return current

    def _call(self, name: str) -> bool:
        if name == "success":
            return self.context.needs_succeeded and not self.context.cancelled
        if name == "failure":
            return self.context.needs_failed
        if name == "always":
            return True
        if name == "cancelled":
            return self.context.cancelled
        raise ExpressionError(f"unknown function {name}(): expressions call {', '.join(f + '()' for f in FUNCTIONS)}")


def _literal(node: Tree) -> Any:
    kind = node.data
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind == "null":
        return None
    text = str(node.children[0])
    if kind == "string":
        if text.startswith("'"):
            return text[1:-1].replace("''", "'")
        return json.loads(text)
    number = float(text)
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else 0.0
        except ValueError:
            return math.nan
    return math.nan


def _compare(left: Any, operator: str, right: Any) -> bool:
    if type(left) is not type(right) and not (isinstance(left, (int, float)) and isinstance(right, (int, float))):
        left, right = _number(left), _number(right)
    elif isinstance(left, str):  # GitHub compares text case-insensitively
        left, right = left.casefold(), right.casefold()
    elif isinstance(left, (list, dict)) and operator not in ("==", "!="):
        return False
    try:
        return {"==": left == right, "!=": left != right}[operator] if operator in ("==", "!=") else {
            "<": lambda: left < right, "<=": lambda: left <= right,
            ">": lambda: left > right, ">=": lambda: left >= right}[operator]()
    except TypeError:
        return False
