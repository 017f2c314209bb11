"""A version's effective parameters: the record's declarations and the
script's inline block together. The same parameter declared the same way in
both is one parameter; declared differently, the save is refused naming both places.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ValidationFailed
from .inline import InlineParameter, inline_parameters
from .models import ParameterDeclaration


def merge(record: Sequence[ParameterDeclaration], inline: Sequence[InlineParameter]) -> list[ParameterDeclaration]:
    """Record declarations first (in their order), then inline-only ones; ValidationFailed on a conflict."""
    problems = []
    merged: dict[str, ParameterDeclaration] = {}
    for index, declaration in enumerate(record):
        if declaration.name in merged:
            problems.append({"field": f"parameters[{index}]", "message": f"parameter {declaration.name!r} is declared twice"})
        merged[declaration.name] = declaration
    positions = {declaration.name: index for index, declaration in enumerate(record)}
    for found in inline:
        declaration = found.declaration
        existing = merged.get(declaration.name)
        if existing is None:
            merged[declaration.name] = declaration
        elif existing != declaration:
            differences = ", ".join(_differences(existing, declaration))
            problems.append({
                "field": f"parameters[{positions[declaration.name]}]",
                "message": f"parameter {declaration.name!r} is declared differently in parameters[{positions[declaration.name]}] "
                           f"and in the script's stellascript block at line {found.line} ({differences}); "
                           "declare it in one place, or the same way in both",
                "line": found.line,
            })
    if problems:
        raise ValidationFailed(problems)
    return list(merged.values())


def effective_parameters(record: Sequence[ParameterDeclaration], content: str, line_comment: str) -> list[ParameterDeclaration]:
    """What a version with this content and these record declarations takes."""
    return merge(record, inline_parameters(content, line_comment))


def _differences(first: ParameterDeclaration, second: ParameterDeclaration) -> list[str]:
    return [f"{field}: {getattr(first, field)!r} vs {getattr(second, field)!r}"
            for field in ParameterDeclaration.model_fields if getattr(first, field) != getattr(second, field)]
