"""Every refused definition, each problem with its path, and nothing stored."""

from __future__ import annotations

import pytest

from jupyter_stellascript.errors import ValidationFailed
from jupyter_stellascript.workflows.models import load_definition
from jupyter_stellascript.workflows.schema import json_schema, schema_text
from jupyter_stellascript.workflows.validation import run_inputs
from tests.workflows.conftest import ALICE, BOB, add_script

GOOD = """
inputs:
  base_url: {type: string, required: true}
  hosts:    {type: array, default: []}
steps:
  - id: disk
    script: disk-space-check
    arguments: {mount_point: /, threshold_percent: "90"}
  - id: smoke
    needs: [disk]
    script: api-smoke-test
    arguments: {base_url: "${{ inputs.base_url }}"}
    retries: {max: 3, delay: 2s, backoff: 2}
    timeout: 2m
  - id: ports
    needs: [disk]
    for_each: "${{ inputs.hosts }}"
    max_parallel: 5
    script: tcp-port-check
    arguments: {host: "${{ item }}", port: 443}
  - id: notify
    needs: [smoke, ports]
    if: "${{ failure() }}"
    script: webhook-sender
    arguments: {message: "smoke failed: ${{ steps.smoke.outputs.summary }}"}
"""
SCRIPTS = ("disk-space-check", "api-smoke-test", "tcp-port-check", "webhook-sender")


@pytest.fixture()
def scripts(registry):
    return {name: add_script(registry, name) for name in SCRIPTS}


def problems(store, caller, definition) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as raised:
        store.create(caller, {"name": "release", "definition": definition})
    return [(problem["field"], problem["message"]) for problem in raised.value.errors]


def test_the_issue_example_is_saved_with_every_script_pinned(store, scripts):
    saved = store.create(ALICE, {"name": "release", "definition": GOOD, "tags": ["release"]})
    assert saved["version"] == "1.0.0" and saved["content"] == GOOD
    assert saved["pins"]["smoke"] == {"script_id": scripts["api-smoke-test"]["id"], "name": "api-smoke-test",
                                      "version": "1.0.0", "language": "bash"}
    step = saved["definition"]["steps"][1]
    assert step["retries"] == {"max": 3, "delay": 2.0, "backoff": 2.0} and step["timeout"] == 120.0
    assert saved["definition"]["steps"][2]["arguments"]["port"] == "443"  # a bare YAML number becomes text
    assert saved["definition"]["steps"][3]["if"] == "${{ failure() }}"


def test_every_problem_is_reported_with_its_path(store, scripts):
    definition = """
inputs:
  hosts: {type: array, default: 5}
  base_url: {type: string, required: true}
steps:
  - {id: disk, script: disk-space-check}
  - {id: smoke, script: api-smoke-test, needs: [disk, smok], arguments: {u: "${{ inputs.base_ur }}"}}
  - {id: ports, script: tcp-port-check, needs: [notify], arguments: {h: "${{ item }}"}, max_parallel: 2}
  - {id: notify, script: webhook-sender, needs: [ports], if: "${{ steps.nope.status == 'x' || later() }}"}
  - {id: late, script: nobody-has-this, arguments: {m: "${{ steps.smoke.outputs.summary }}"}}
  - {id: disk, script: disk-space-check, version: 9.9.9, arguments: {x: "${{ inputs.a == }}"}}
"""
    found = problems(store, ALICE, definition)
    assert ("definition.inputs.hosts.default", "must be an array (the input's type)") in found
    assert ("definition.steps[5].id", "duplicate step id 'disk' (also steps[0])") in found
    assert ("definition.steps[1].needs", "unknown step 'smok'") in found
    assert ("definition.steps[2].needs", "a cycle: ports → notify → ports") in found
    assert ("definition.steps[1].arguments.u", "unknown input 'base_ur' in inputs.base_ur") in found
    assert ("definition.steps[2].arguments.h", "item is only known in a for_each step") in found
    assert ("definition.steps[2].max_parallel", "max_parallel is for a for_each step") in found
    assert ("definition.steps[3].if", "unknown step 'nope' in steps.nope.status") in found
    assert any(field == "definition.steps[3].if" and "unknown function later()" in message for field, message in found)
    assert ("definition.steps[4].arguments.m", "step 'smoke' is not among the steps 'late' needs, so "
                                               "steps.smoke.outputs.summary is not known yet: add it to needs") in found
    assert ("definition.steps[4].script", "no script named 'nobody-has-this' that you can see") in found
    assert any(field == "definition.steps[5].version" and "no version 9.9.9" in message for field, message in found)
    assert any(field == "definition.steps[5].arguments.x" and "cannot parse" in message for field, message in found)
    assert store.search(ALICE) == ([], 0)  # nothing stored


@pytest.mark.parametrize(("definition", "field", "message"), [
    ("steps: [", "definition", "not YAML or JSON (line 1"),
    ("[1, 2]", "definition", "an object with steps"),
    ("steps: []", "definition.steps", "at least 1 item"),
    ("steps: [{id: a, script: s, bogus: 1}]", "definition.steps[0].bogus", "Extra inputs are not permitted"),
    ("steps: [{id: 'bad id', script: s}]", "definition.steps[0].id", "should match pattern"),
    ("steps: [{id: a, script: s, retries: {max: 99}}]", "definition.steps[0].retries.max", "less than or equal to 10"),
    ("steps: [{id: a, script: s, timeout: soon}]", "definition.steps[0].timeout", "not a duration"),
    ("steps: [{id: a, script: s, network_mode: wide}]", "definition.steps[0].network_mode", "'none', 'bridge' or 'host'"),
    ("steps: [{id: a, script: s, arguments: {x: [1]}}]", "definition.steps[0].arguments.x", "must be text"),
    ("inputs: {n: {type: complex}}\nsteps: [{id: a, script: s}]", "definition.inputs.n.type", "Input should be"),
    ('{"steps": [{"id": "a", "script": "s", "needs": ["a"]}]}', "definition.steps[0].needs", "cannot need itself"),
    ("steps: [{id: a, script: s, for_each: 'not an expression'}]", "definition.steps[0].for_each", "a list, or ${{ }}"),
    ("steps: [{id: a, script: s, environment: {STELLASCRIPT_OUTPUT: x}}]", "definition.steps[0].environment.STELLASCRIPT_OUTPUT",
     "names starting with STELLASCRIPT_ are set by Stella Script"),
    ("steps: [{id: a, script: s, environment: {'A=B': x}}]", "definition.steps[0].environment.A=B", "is not valid"),
], ids=["yaml", "not-object", "no-steps", "unknown-field", "step-id", "retries", "timeout", "network", "argument",
        "input-type", "self-need", "for-each", "reserved-environment", "environment-name"])
def test_malformed_definitions(store, registry, definition, field, message):
    add_script(registry, "s")
    found = problems(store, ALICE, definition)
    assert any(f == field and message in m for f, m in found), found


def test_a_script_the_author_cannot_read_is_refused(store, registry):
    add_script(registry, "private-to-bob", owner=BOB)
    found = problems(store, ALICE, "steps: [{id: a, script: private-to-bob}]")
    assert found == [("definition.steps[0].script", "no script named 'private-to-bob' that you can see")]


def test_run_inputs_are_typed_required_and_known():
    definition = load_definition(GOOD)
    assert run_inputs(definition, {"base_url": "https://x"}) == {"base_url": "https://x", "hosts": []}
    with pytest.raises(ValidationFailed) as raised:
        run_inputs(definition, {"hosts": "a,b", "extra": 1})
    assert {(p["field"], p["message"]) for p in raised.value.errors} == {
        ("inputs.extra", "unknown input; the workflow takes base_url, hosts"),
        ("inputs.hosts", "must be an array"), ("inputs.base_url", "required")}


def test_the_published_schema_is_the_models(tmp_path):
    from pathlib import Path

    import jupyter_stellascript.workflows as package

    committed = (Path(package.__file__).parent / "workflow.schema.json").read_text()
    assert committed == schema_text(), "run python -m jupyter_stellascript.workflows.models"
    schema = json_schema()
    assert "if" in schema["$defs"]["Step"]["properties"] and schema["required"] == ["steps"]
