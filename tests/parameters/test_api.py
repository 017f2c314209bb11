"""Parameters through the REST API of a real server: declared on the record and inline, returned with
their schema, and every run validated before anything is queued; a real run reads the normalized args.json."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.servers import RunningServer, json_of

# Prints what the script received: the args.json object and the type of each value.
PRINTS_ARGS = '''\
# /// stellascript
# [parameters.url]
# type = "string"
# required = true
# description = "Endpoint to check"
# [parameters.expected_status]
# type = "integer"
# default = 200
# ///
import json
args = json.load(open("/scripts/args.json"))
print(json.dumps({"args": args, "types": sorted({type(v).__name__ for v in args.values()})}, sort_keys=True))
'''
RECORD = [{"name": "verbose", "type": "boolean", "default": False},
          {"name": "ratio", "type": "number", "minimum": 0, "maximum": 1},
          {"name": "mode", "type": "enum", "values": ["fast", "slow"]},
          {"name": "body", "type": "json"},
          {"name": "token", "type": "secret"}]


@pytest.fixture(scope="module")
def owner(server: RunningServer) -> str:
    return server.token("params-owner")


def create(server: RunningServer, token: str, **fields) -> dict:
    body = {"name": f"params-{uuid.uuid4().hex[:10]}", "language": "python", "content": PRINTS_ARGS, **fields}
    response = server.request("POST", "/scripts", token=token, json=body)
    assert response.status_code == 201, response.text
    return json_of(response)


def refused(response, status: int = 400) -> list[dict]:
    assert response.status_code == status, response.text
    return json_of(response)["errors"]


def executions_of(server: RunningServer, token: str, script_id: str) -> int:
    return json_of(server.request("GET", f"/scripts/executions?script_id={script_id}", token=token))["total"]


def test_record_and_inline_parameters_are_returned_with_their_schema(server, owner):
    script = create(server, owner, parameters=RECORD)
    names = [p["name"] for p in script["parameters"]]
    assert names == ["verbose", "ratio", "mode", "body", "token", "url", "expected_status"]
    assert script["parameters"][-1] == {"name": "expected_status", "type": "integer", "required": False, "default": 200,
                                        "description": ""}
    schema = script["parameters_schema"]
    assert schema["required"] == ["url"] and list(schema["properties"]) == names
    assert schema["properties"]["ratio"] == {"type": "number", "minimum": 0, "maximum": 1}
    for path in (f"/scripts/{script['id']}", f"/scripts/{script['id']}/versions/1.0.0"):
        fetched = json_of(server.request("GET", path, token=owner))
        assert (fetched["parameters"], fetched["parameters_schema"]) == (script["parameters"], schema)
    [listed] = json_of(server.request("GET", f"/scripts/{script['id']}/versions", token=owner))["items"]
    assert listed["parameters"] == script["parameters"]
    searched = json_of(server.request("GET", f"/scripts?q={script['name']}", token=owner))["items"]
    assert [item["parameters"] for item in searched] == [script["parameters"]]

    # Left out of an update, the record's declarations stay; [] removes them (the inline block's remain).
    kept = json_of(server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"description": "d"}))
    assert kept["version"] == "1.0.1" and kept["parameters"] == script["parameters"]
    removed = json_of(server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"parameters": []}))
    assert [p["name"] for p in removed["parameters"]] == ["url", "expected_status"]
    old = json_of(server.request("GET", f"/scripts/{script['id']}/versions/1.0.0", token=owner))
    assert old["parameters"] == script["parameters"]  # stored per version


def test_bad_declarations_and_conflicts_are_refused_at_save_naming_the_place(server, owner):
    errors = refused(server.request("POST", "/scripts", token=owner, json={
        "name": "p", "language": "bash", "content": "echo\n",
        "parameters": [{"name": "a b"}, {"name": "n", "type": "integer", "default": "x"}, {"name": "e", "type": "enum"}]}))
    assert [e["field"] for e in errors] == ["parameters[0].name", "parameters[1]", "parameters[2]"]
    assert "the default does not fit" in errors[1]["message"] and "needs values" in errors[2]["message"]

    conflict = refused(server.request("POST", "/scripts", token=owner, json={
        "name": "p", "language": "python", "content": PRINTS_ARGS, "parameters": [{"name": "url", "type": "integer"}]}))
    assert conflict[0]["field"] == "parameters[0]" and conflict[0]["line"] == 2
    assert "declared differently in parameters[0] and in the script's stellascript block at line 2" in conflict[0]["message"]

    bad_block = "package main\n// /// stellascript\n// [parameters.x]\n// type = 5\n// ///\nfunc main() {}\n"
    [error] = refused(server.request("POST", "/scripts", token=owner, json={"name": "p", "language": "go", "content": bad_block}))
    assert (error["field"], error["line"]) == ("content", 3) and "parameter 'x'" in error["message"]

    script = create(server, owner)
    unclosed = PRINTS_ARGS.replace("# ///\n", "")
    [error] = refused(server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"content": unclosed}))
    # The block runs into the code: the first line of code is where it goes wrong.
    assert (error["field"], error["line"]) == ("content", 9) and "is not a # comment" in error["message"]
    assert json_of(server.request("GET", f"/scripts/{script['id']}", token=owner))["version"] == "1.0.0"


def test_execute_refuses_bad_arguments_per_parameter_and_queues_nothing(server, owner):
    script = create(server, owner, parameters=RECORD)
    path = f"/scripts/{script['id']}/execute"
    errors = refused(server.request("POST", path, token=owner, json={"arguments": {
        "expected_status": "two hundred", "verbose": "perhaps", "ratio": "1.5", "mode": "medium", "body": "{",
        "token": "not a name", "typo": "x"}}))
    assert {e["field"] for e in errors} == {f"arguments.{name}" for name in
                                             ("typo", "url", "expected_status", "verbose", "ratio", "mode", "body", "token")}
    assert {e["field"]: e["message"] for e in errors}["arguments.ratio"] == "number: 1.5 is greater than the maximum 1"
    assert executions_of(server, owner, script["id"]) == 0

    done = server.request("POST", f"{path}?wait=true", token=owner, json={"arguments": {
        "url": "https://example.org", "ratio": "0.50", "verbose": "yes", "body": '{ "a": [1, 2] }', "mode": "slow"}})
    assert done.status_code == 200, done.text
    record = json_of(done)
    assert record["status"] == "Succeeded", record
    received = json.loads(record["stdout"])
    assert received == {"types": ["str"], "args": {"url": "https://example.org", "expected_status": "200", "ratio": "0.5",
                                                   "verbose": "true", "body": '{"a":[1,2]}', "mode": "slow"}}
    assert record["arguments"] == received["args"]  # the record holds what the script was given


def test_a_script_without_parameters_takes_any_arguments_as_before(server, owner):
    script = create(server, owner, content="import json\nprint(json.load(open('/scripts/args.json')))\n")
    assert (script["parameters"], script["parameters_schema"]["additionalProperties"]) == ([], {"type": "string"})
    record = json_of(server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=owner,
                                    json={"arguments": {"anything": " 007 "}}))
    assert record["stdout"] == "{'anything': ' 007 '}\n"


def test_adhoc_runs_validate_against_the_inline_block(server, owner):
    listed = json_of(server.request("GET", "/scripts/executions", token=owner))["total"]
    errors = refused(server.request("POST", "/scripts/executions", token=owner, json={
        "language": "python", "content": PRINTS_ARGS, "arguments": {"expected_status": "x"}}))
    assert [e["field"] for e in errors] == ["arguments.url", "arguments.expected_status"]
    [error] = refused(server.request("POST", "/scripts/executions", token=owner, json={
        "language": "python", "content": PRINTS_ARGS.replace("# ///\n", "")}))
    assert (error["field"], error["line"]) == ("content", 9)
    assert json_of(server.request("GET", "/scripts/executions", token=owner))["total"] == listed
    record = json_of(server.request("POST", "/scripts/executions?wait=true", token=owner, json={
        "language": "python", "content": PRINTS_ARGS, "arguments": {"url": "u", "expected_status": "+404"}}))
    assert json.loads(record["stdout"])["args"] == {"url": "u", "expected_status": "404"}
