"""Everything wrong with a definition, each problem with its path.

A definition is checked whole before anything is stored: every problem is
reported (``steps[2].needs: unknown step 'smok'``, a cycle with its members,
an expression naming an unknown step or input, a script the author cannot
read, an input default of the wrong type), not only the first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphlib import CycleError, TopologicalSorter

from ..errors import NotFound, ValidationFailed
from ..execution.fields import reserved_environment_problem
from .expressions import FUNCTIONS, ExpressionError, calls, expressions_in, parse, references
from .models import InputType, Step, WorkflowDefinition

# (step) -> the script's view at the pinned version; NotFound when unreadable.
ScriptLookup = Callable[[Step], dict]

_JSON_TYPES: dict[InputType, tuple[type, ...]] = {
    InputType.STRING: (str,), InputType.NUMBER: (int, float), InputType.INTEGER: (int,),
    InputType.BOOLEAN: (bool,), InputType.ARRAY: (list,), InputType.OBJECT: (dict,),
}
_TYPE_WORDS = {InputType.STRING: "a string", InputType.NUMBER: "a number", InputType.INTEGER: "an integer",
               InputType.BOOLEAN: "a boolean", InputType.ARRAY: "an array", InputType.OBJECT: "an object"}


def _problem(field: str, message: str, **extra: Any) -> dict:
    return {"field": field, "message": message, **extra}


def is_of_type(value: Any, kind: InputType) -> bool:
    if isinstance(value, bool) and kind is not InputType.BOOLEAN:
        return False
    return isinstance(value, _JSON_TYPES[kind])


def validate(definition: WorkflowDefinition, lookup: ScriptLookup | None) -> dict[str, dict]:
    """The pinned script of every step ({step id: script view}); ValidationFailed listing every problem."""
    problems: list[dict] = []
    problems += _input_problems(definition)
    ids = _id_problems(definition, problems)
    problems += _needs_problems(definition, ids)
    upstream = upstream_of(definition)
    for index, step in enumerate(definition.steps):
        problems += _step_problems(definition, index, step, upstream.get(step.id, set()))
    pins: dict[str, dict] = {}
    if lookup is not None:
        for index, step in enumerate(definition.steps):
            try:
                pins[step.id] = lookup(step)
            except NotFound as error:
                problems.append(_problem(f"steps[{index}].version" if step.version and "version" in str(error)
                                         else f"steps[{index}].script", str(error)))
    if problems:
        raise ValidationFailed(problems)
    return pins


def _input_problems(definition: WorkflowDefinition) -> Iterator[dict]:
    for name, spec in definition.inputs.items():
        if spec.default is not None and not is_of_type(spec.default, spec.type):
            yield _problem(f"inputs.{name}.default", f"must be {_TYPE_WORDS[spec.type]} (the input's type)")
        if spec.required and spec.default is not None:
            yield _problem(f"inputs.{name}.required", "a required input has no default")


def _id_problems(definition: WorkflowDefinition, problems: list[dict]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for index, step in enumerate(definition.steps):
        if step.id in ids:
            problems.append(_problem(f"steps[{index}].id", f"duplicate step id {step.id!r} (also steps[{ids[step.id]}])"))
        else:
            ids[step.id] = index
    return ids


def _needs_problems(definition: WorkflowDefinition, ids: dict[str, int]) -> Iterator[dict]:
    for index, step in enumerate(definition.steps):
        for need in step.needs:
            if need == step.id:
                yield _problem(f"steps[{index}].needs", f"step {step.id!r} cannot need itself")
            elif need not in ids:
                yield _problem(f"steps[{index}].needs", f"unknown step {need!r}")
    graph = {step.id: [need for need in step.needs if need in ids and need != step.id] for step in definition.steps}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        members = error.args[1]
        yield _problem(f"steps[{ids[members[0]]}].needs", f"a cycle: {' → '.join(members)}", cycle=members[:-1])


def upstream_of(definition: WorkflowDefinition) -> dict[str, set[str]]:
    """Every step's transitive needs (unknown steps left out; cycles stop the walk, they are reported elsewhere)."""
    ids = {step.id for step in definition.steps}
    needs = {step.id: [need for need in step.needs if need in ids] for step in definition.steps}
    result: dict[str, set[str]] = {}
    for step_id in needs:
        seen: set[str] = set()
        todo = list(needs[step_id])
        while todo:
            current = todo.pop()
            if current not in seen and current != step_id:
                seen.add(current)
                todo += needs.get(current, [])
        result[step_id] = seen
    return result


def _step_problems(definition: WorkflowDefinition, index: int, step: Step, upstream: set[str]) -> Iterator[dict]:
    where = f"steps[{index}]"
    if step.max_parallel is not None and step.for_each is None:
        yield _problem(f"{where}.max_parallel", "max_parallel is for a for_each step")
    texts: list[tuple[str, str, bool]] = []  # (path, text, whole text is an expression)
    if step.if_ is not None:
        texts.append((f"{where}.if", step.if_, True))
    if isinstance(step.for_each, str):
        texts.append((f"{where}.for_each", step.for_each, False))
        if not expressions_in(step.for_each):
            yield _problem(f"{where}.for_each", "a list, or ${{ }} giving one")
    texts += [(f"{where}.arguments.{key}", value, False) for key, value in step.arguments.items()]
    texts += [(f"{where}.environment.{key}", value, False) for key, value in step.environment.items()]
    for key in step.environment:
        problem = reserved_environment_problem(key) or ("=" in key and f"environment variable name {key!r} is not valid")
        if problem:
            yield _problem(f"{where}.environment.{key}", problem)
    if step.target is not None:
        texts.append((f"{where}.target.container", step.target.container, False))
    for path, text, bare_allowed in texts:
        expressions = expressions_in(text) or ([text.strip()] if bare_allowed else [])
        for expression in expressions:
            yield from _expression_problems(definition, path, expression, step, upstream)


def _expression_problems(definition: WorkflowDefinition, path: str, expression: str, step: Step,
                         upstream: set[str]) -> Iterator[dict]:
    try:
        tree = parse(expression)
    except ExpressionError as error:
        yield _problem(path, str(error))
        return
    for name in calls(tree):
        if name not in FUNCTIONS:
            yield _problem(path, f"unknown function {name}(): expressions call {', '.join(f + '()' for f in FUNCTIONS)}")
    known_steps = {other.id for other in definition.steps}
    for reference in references(tree):
        root, rest = reference.parts[0], reference.parts[1:]
        if root == "inputs":
            if not rest:
                continue
            if rest[0] not in definition.inputs:
                yield _problem(path, f"unknown input {rest[0]!r} in {reference}")
        elif root == "steps":
            if not rest:
                yield _problem(path, "steps is read as steps.<id>.outputs.<key> or steps.<id>.status")
            elif rest[0] not in known_steps:
                yield _problem(path, f"unknown step {rest[0]!r} in {reference}")
            elif rest[0] not in upstream:
                yield _problem(path, f"step {rest[0]!r} is not among the steps {step.id!r} needs, "
                                     f"so {reference} is not known yet: add it to needs")
            elif len(rest) < 2 or rest[1] not in ("outputs", "status"):
                yield _problem(path, f"{reference}: a step has outputs and status")
        elif root == "item":
            if step.for_each is None:
                yield _problem(path, "item is only known in a for_each step")
        else:
            yield _problem(path, f"unknown name {root!r}: expressions read inputs, steps and item")


def run_inputs(definition: WorkflowDefinition, given: dict[str, Any]) -> dict[str, Any]:
    """The inputs of a run: defaults filled in; ValidationFailed for unknown, missing or mistyped ones."""
    problems = []
    values: dict[str, Any] = {}
    for name in given:
        if name not in definition.inputs:
            problems.append(_problem(f"inputs.{name}", f"unknown input; the workflow takes "
                                     f"{', '.join(definition.inputs) or 'none'}"))
    for name, spec in definition.inputs.items():
        if name in given and given[name] is not None:
            if not is_of_type(given[name], spec.type):
                problems.append(_problem(f"inputs.{name}", f"must be {_TYPE_WORDS[spec.type]}"))
            values[name] = given[name]
        elif spec.required:
            problems.append(_problem(f"inputs.{name}", "required"))
        else:
            values[name] = spec.default
    if problems:
        raise ValidationFailed(problems)
    return values
