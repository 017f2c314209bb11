"""One value against one declaration: checked, then normalized to the text
/scripts/args.json holds (the contract: a JSON object of strings).

A value is the text a run passes (REST, CLI, magics and forms all send text)
or, for a declared default, the TOML/JSON value itself (``default = 200``).
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

# Patterns are the script author's: matched with the regex module (a superset of re's syntax) and a
# time limit, so that no pattern can hold a server thread with catastrophic backtracking.
import regex

if TYPE_CHECKING:
    from .models import ParameterDeclaration

# A secret is referred to by its name; the secrets store has the same rule.
SECRET_NAME_RULE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
_INTEGER = re.compile(r"^[+-]?\d+$")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
# Up to this magnitude a whole float is written as an integer (2.0 -> "2") without losing digits.
_EXACT_INTEGER = 2 ** 53
PATTERN_TIMEOUT_S = 0.1


def coerce(declaration: "ParameterDeclaration", value: Any) -> str:
    """``value`` as args.json text for ``declaration``; ValueError saying what is wrong."""
    normalize = _NORMALIZERS[declaration.type]
    return normalize(declaration, value)


def _string(declaration: "ParameterDeclaration", value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, not {_kind(value)}")
    if declaration.pattern is not None:
        try:
            matched = regex.fullmatch(declaration.pattern, value, timeout=PATTERN_TIMEOUT_S)
        except TimeoutError:
            raise ValueError(f"the pattern {declaration.pattern!r} takes too long to check against this value") from None
        if not matched:
            raise ValueError(f"{_shown(value)} does not match the pattern {declaration.pattern!r}")
    return value


def _integer(declaration: "ParameterDeclaration", value: Any) -> str:
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        number = int(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise ValueError(f"expected an integer, not {_shown(value)}")
    _in_range(declaration, number)
    return str(number)


def _number(declaration: "ParameterDeclaration", value: Any) -> str:
    number: float | int
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip() and "_" not in value:
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueError(f"expected a number, not {_shown(value)}") from None
    else:
        raise ValueError(f"expected a number, not {_shown(value)}")
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, not {_shown(value)}")
    _in_range(declaration, number)
    if float(number).is_integer() and abs(number) <= _EXACT_INTEGER:
        return str(int(number))
    return repr(float(number))


def _boolean(declaration: "ParameterDeclaration", value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _TRUE:
        return "true"
    if text in _FALSE:
        return "false"
    raise ValueError(f"expected true or false, not {_shown(value)}")


def _enum(declaration: "ParameterDeclaration", value: Any) -> str:
    allowed = declaration.values or []
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{_shown(value)} is not one of {', '.join(allowed)}")
    return value


def _json(declaration: "ParameterDeclaration", value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"not JSON: {error}") from None
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"not representable as JSON: {error}") from None


def _secret(declaration: "ParameterDeclaration", value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(SECRET_NAME_RULE, value):
        raise ValueError(f"{_shown(value)} is not a secret's name (letters, digits, '_', '.', '-'; "
                         "starting with a letter or digit; at most 100 characters)")
    return value


def _in_range(declaration: "ParameterDeclaration", number: float) -> None:
    if declaration.minimum is not None and number < declaration.minimum:
        raise ValueError(f"{number:g} is less than the minimum {declaration.minimum:g}")
    if declaration.maximum is not None and number > declaration.maximum:
        raise ValueError(f"{number:g} is greater than the maximum {declaration.maximum:g}")


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    # Short: a problem message names the value, it does not reprint a megabyte.
    text = repr(value) if isinstance(value, str) else json.dumps(value) if isinstance(value, (int, float, bool)) else _kind(value)
    return text if len(text) <= 60 else text[:57] + "..."


_NORMALIZERS = {"string": _string, "integer": _integer, "number": _number, "boolean": _boolean,
                "enum": _enum, "json": _json, "secret": _secret}
