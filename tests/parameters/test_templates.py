"""Each language's template declares its parameter inline, reads args.json with a real JSON reader and
publishes its result to STELLASCRIPT_OUTPUT, which the engine reads back as the run's outputs."""

from __future__ import annotations

import uuid

import pytest

from jupyter_stellascript.languages import LANGUAGES
from jupyter_stellascript.parameters import ParameterDeclaration, effective_parameters
from jupyter_stellascript.samples import list_templates
from tests.servers import json_of

# Quotes, a backslash, a brace and non-ASCII: what a regex "parser" gets wrong.
AWKWARD = 'St"e\\lla, {ü} 😀'


@pytest.mark.parametrize("template", list_templates(), ids=lambda t: t["language"])
def test_each_template_declares_its_parameter_inline(template: dict) -> None:
    declared = effective_parameters([], template["content"], LANGUAGES[template["language"]].line_comment)
    assert declared == [ParameterDeclaration(name="name", default="world", description="Who to greet")]
    assert "/scripts/args.json" in template["content"] and "STELLASCRIPT_OUTPUT" in template["content"]


def test_each_template_reads_awkward_text_and_publishes_its_output(sqlite_server) -> None:
    token = sqlite_server.token("params-templates")
    for template in list_templates():
        language = template["language"]
        created = sqlite_server.request("POST", "/scripts", token=token, json={
            "name": f"template-{language}-{uuid.uuid4().hex[:6]}", "language": language,
            "content": template["content"], "entry_point": template["file"]})
        assert created.status_code == 201, f"{language}: {created.text}"
        run = json_of(sqlite_server.request("POST", f"/scripts/{json_of(created)['id']}/execute?wait=true", token=token, json={
            "arguments": {"name": AWKWARD}}))
        assert run["status"] == "Succeeded", (language, run)
        assert run["stdout"] == f"Hello, {AWKWARD}!\n", language
        assert run["outputs"] == {"greeting": f"Hello, {AWKWARD}!"}, (language, run["outputs"])
