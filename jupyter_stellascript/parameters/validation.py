"""A run's arguments against a version's declared parameters.

Every way of running (REST execute, ad-hoc runs, CLI, magics, forms) ends
here before anything is queued. Each problem names its parameter
(``arguments.<name>``); defaults are filled in and every value is normalized
to the text /scripts/args.json holds. A script that declares nothing takes
its arguments exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import ValidationFailed
from .models import ParameterDeclaration
from .values import coerce


def validate_arguments(declarations: Sequence[ParameterDeclaration], arguments: Mapping[str, str]) -> dict[str, str]:
    """The normalized arguments, or ValidationFailed with one problem per parameter."""
    if not declarations:
        return dict(arguments)
    declared = {declaration.name: declaration for declaration in declarations}
    problems: list[dict[str, str]] = []
    normalized: dict[str, str] = {}
    for name in arguments:
        if name not in declared:
            problems.append(_problem(name, f"this script has no parameter {name!r} (it takes {', '.join(declared)})"))
    for name, declaration in declared.items():
        if name in arguments:
            try:
                normalized[name] = coerce(declaration, arguments[name])
            except ValueError as error:
                problems.append(_problem(name, f"{declaration.type}: {error}"))
        elif declaration.default is not None:
            normalized[name] = coerce(declaration, declaration.default)  # checked when it was declared
        elif declaration.required:
            problems.append(_problem(name, "is required" + (f" ({declaration.description})" if declaration.description else "")))
    if problems:
        raise ValidationFailed(problems)
    return normalized


def secret_names(declarations: Sequence[ParameterDeclaration], normalized_arguments: Mapping[str, str]) -> list[str]:
    """The secrets a run's (validated) arguments name, in declaration order, each once:
    what the secrets store must deliver to the run."""
    names: list[str] = []
    for declaration in declarations:
        value = normalized_arguments.get(declaration.name)
        if declaration.type == "secret" and value is not None and value not in names:
            names.append(value)
    return names


def _problem(name: str, message: str) -> dict[str, str]:
    return {"field": f"arguments.{name}", "message": message}
