"""Where a workflow's problem is in its YAML text.

The validation names each problem by its field path (``steps[1].needs``,
``definition.steps[2].retries.max``); an editor needs the line. The text is
composed with PyYAML (nodes keep their marks) and the path followed as far
as the text has it: a missing key points at the nearest mapping that should
hold it, so every problem gets a line.
"""

from __future__ import annotations

import re

import yaml

_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def line_of(text: str, field: str) -> int | None:
    """The 1-based line of what ``field`` names in ``text``; None when the text is not YAML."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    path = field.removeprefix("definition").lstrip(".")
    for index, name in _PART.findall(path):
        if index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            node = node.value[int(index)]
        elif name and isinstance(node, yaml.MappingNode):
            value = next((value for key, value in node.value if isinstance(key, yaml.ScalarNode) and key.value == name), None)
            if value is None:
                break
            node = value
        else:
            break
    return node.start_mark.line + 1


def with_lines(text: str, problems: list[dict]) -> list[dict]:
    """The problems, each with the ``line`` its field is on (a problem that has one keeps it)."""
    located = []
    for problem in problems:
        line = problem.get("line") or line_of(text, problem.get("field", ""))
        located.append({**problem, **({"line": line} if line else {})})
    return located
