"""Each language's template declares its parameter inline, reads args.json with a real JSON reader and
publishes its result to STELLASCRIPT_OUTPUT when set (here /dev/stdout, so the run shows what it wrote)."""

from __future__ import annotations

import json
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
            "arguments": {"name": AWKWARD}, "environment": {"STELLASCRIPT_OUTPUT": "/dev/stdout"}}))
        assert run["status"] == "Succeeded", (language, run)
        greeting, published = run["stdout"].split("\n", 1)
        assert greeting == f"Hello, {AWKWARD}!", language
        assert json.loads(published) == {"greeting": f"Hello, {AWKWARD}!"}, (language, published)
