"""Talking to the server about scripts: errors as one line, references (id, name, owner/name) resolved to scripts."""

from __future__ import annotations

import re

from ..client import ClientError, StellaScriptClient
from .errors import MagicError

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def describe_client_error(error: ClientError, source: str = "the script") -> str:
    """A ClientError as one line: status, message, and each invalid field
    (content problems with their line and column)."""
    if error.status is None:
        return " ".join(error.message.split())
    text = f"{error.status} {' '.join(error.message.split())}" if not error.errors else f"{error.status} invalid request"
    problems = []
    for problem in error.errors:
        field, line, column = problem.get("field", "request"), problem.get("line"), problem.get("column")
        where = field
        if line is not None:
            where = f"{source} line {line}" + (f":{column}" if column is not None else "")
        problems.append(f"{where}: {' '.join(str(problem.get('message', '')).split())}")
    if problems:
        text += ": " + "; ".join(problems)
    if error.status == 401:
        text += " (set STELLASCRIPT_TOKEN or run %stellascript connect URL --token T)"
    return text


def describe_argument_problems(error: ClientError) -> str | None:
    """``url is required; expected_status: integer: expected an integer, not 'x'`` when
    every problem is with an argument (a 400 naming arguments.<name>); else None."""
    fields = [str(problem.get("field", "")) for problem in error.errors]
    if error.status != 400 or not fields or not all(field.startswith("arguments.") for field in fields):
        return None
    parts = []
    for field, problem in zip(fields, error.errors):
        name, message = field.removeprefix("arguments."), " ".join(str(problem.get("message", "")).split())
        parts.append(f"{name} {message}" if message.startswith("is ") else f"{name}: {message}")
    return "; ".join(parts)


def own_script(client: StellaScriptClient, owner: str, name: str) -> dict | None:
    """``owner``'s script called ``name`` (names are unique per owner), or None."""
    try:
        return client.resolve_script(f"{owner}/{name}")
    except ClientError as error:
        if error.status == 404:
            return None
        raise


def resolve_script(client: StellaScriptClient, target: str) -> dict:
    """A script's metadata from its id, its name or owner/name (the server's resolver decides)."""
    try:
        return client.resolve_script(target)
    except ClientError as error:
        if error.status == 404:
            what = f"no script {target}" if _UUID.match(target) else f"no script named {target!r}"
            raise MagicError(f"{what} that you can see (%stellascript connect shows who you are)") from None
        if error.status == 409:
            raise MagicError(f"{' '.join(error.message.split())}, e.g. %stellascript run OWNER/{target}") from None
        raise
