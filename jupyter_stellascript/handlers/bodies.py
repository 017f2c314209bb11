"""Request bodies as JSON: decoded once, with the rules every body shares.

A body is a JSON object of bounded nesting whose text is valid Unicode
without NUL characters. JSON allows escapes such as "\\ud800" that decode to a
lone surrogate, which no UTF-8 file, database or container can hold, and
"\\u0000", which PostgreSQL's text cannot hold nor a C string pass on: such
text is refused here, naming the field, rather than failing wherever it is
first written. Deep nesting is refused before pydantic (or json itself)
recurses into it.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import ValidationFailed

# No request body has more than a few levels (a dependency in a list in an object).
MAX_DEPTH = 32


def decode_object(raw: bytes) -> dict[str, Any]:
    """``raw`` as a JSON object, or ValidationFailed naming each problem."""
    try:
        body = json.loads(raw)
    except RecursionError:
        raise ValidationFailed([_too_deep("body")]) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed([{"field": "body", "message": f"the body is not valid JSON: {error}"}]) from None
    if not isinstance(body, dict):
        raise ValidationFailed([{"field": "body", "message": "the body must be a JSON object"}])
    problems = _problems(body)
    if problems:
        raise ValidationFailed(problems)
    return body


def _problems(body: dict[str, Any]) -> list[dict[str, str]]:
    """Every lone surrogate and the first level too deep, walked without recursion."""
    problems = []
    pending: list[tuple[str, int, Any]] = [("", 1, body)]
    while pending:
        path, depth, value = pending.pop()
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                problems.append({"field": path or "body", "message": f"text {problem}"})
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            problems.append(_too_deep(path))
            continue
        if isinstance(value, list):
            pending.extend((f"{path}[{index}]", depth + 1, item) for index, item in enumerate(value))
            continue
        for key, item in value.items():
            problem = _text_problem(key)
            if problem:
                problems.append({"field": path or "body", "message": f"names {problem}"})
            # A path names a key as it can be shown: a lone surrogate as its escape.
            shown = key.encode("utf-8", "backslashreplace").decode() if problem else key
            pending.append((f"{path}.{shown}" if path else shown, depth + 1, item))
    return sorted(problems, key=lambda problem: problem["field"])


def _text_problem(text: str) -> str | None:
    """What is wrong with a string of the body, to follow "text" or "names"."""
    if "\0" in text:
        return f"must not contain NUL characters (one is at character {text.index(chr(0))})"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"must be valid Unicode: a lone surrogate ({text[error.start]!a}) at character {error.start}"
    return None


def _too_deep(path: str) -> dict[str, str]:
    return {"field": path or "body", "message": f"the body is nested more than {MAX_DEPTH} levels deep"}
