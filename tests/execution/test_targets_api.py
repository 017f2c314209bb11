"""Target containers through the REST API (execute, ad-hoc and workflow step
bodies) on a headless server whose c.StellaScript.allowed_targets lets team
ops use the test targets and nobody else: allowed runs reach the target's
loopback and record which container they joined; everything else is a 400
naming the container, with nothing queued."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jupyter_stellascript.languages import LANGUAGES
from tests.servers import RunningServer, json_of
from tests.targets import remove_test_targets, start_target, target_container

pytestmark = pytest.mark.slow

CHECK = """import json, urllib.request
url = json.load(open("/scripts/args.json"))["url"]
print(urllib.request.urlopen(url, timeout=5).read().decode())
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, runtime_images, docker_client) -> Iterator[RunningServer]:
    settings = {"allowed_targets": {"ops": ["stella-test-target-*"]},
                "pool_sizes": {name: {"min_containers": 0} for name in LANGUAGES}}
    running = RunningServer(tmp_path_factory.mktemp("targets-api"), settings=settings).start()
    yield running
    running.stop()
    remove_test_targets(docker_client)


@pytest.fixture(scope="module")
def target(docker_client, runtime_images):
    with target_container(docker_client, routes={"/health": (200, {"status": "ok"})}) as running:
        yield running


@pytest.fixture(scope="module")
def script(server: RunningServer) -> dict:
    token = server.token("target-author", teams=("ops",))
    created = server.request("POST", "/scripts", token=token, json={
        "name": "target-health", "language": "python", "content": CHECK, "visibility": "organization"})
    assert created.status_code == 201, created.text
    return json_of(created)


def test_an_allowed_caller_runs_a_script_against_the_target(server, target, script) -> None:
    ops = server.token("ops-member", teams=("ops",))
    response = server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=ops, json={
        "arguments": {"url": f"{target.url}/health"}, "target": {"container": target.name}})
    assert response.status_code == 200, response.text
    record = json_of(response)
    assert record["status"] == "Succeeded", (record["error"], record["stderr"])
    assert record["stdout"].strip() == '{"status": "ok"}'
    assert record["target"] == {"container": target.name, "id": target.id, "name": target.name}
    listed = json_of(server.request("GET", "/scripts/executions", token=ops))["items"]
    assert next(item for item in listed if item["id"] == record["id"])["target"]["id"] == target.id

    adhoc = json_of(server.request("POST", "/scripts/executions?wait=true", token=ops, json={
        "language": "python", "content": CHECK, "arguments": {"url": f"{target.url}/health"},
        "target": {"container": target.id}}))
    assert adhoc["status"] == "Succeeded" and adhoc["target"]["name"] == target.name, adhoc
    admin = server.token("target-admin", admin=True)
    by_admin = json_of(server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=admin, json={
        "arguments": {"url": f"{target.url}/health"}, "target": {"container": target.name}}))
    assert by_admin["status"] == "Succeeded", by_admin


def refused(server, token, script, body) -> list[dict]:
    before = json_of(server.request("GET", "/scripts/executions", token=token))["total"]
    response = server.request("POST", f"/scripts/{script['id']}/execute", token=token, json=body)
    assert response.status_code == 400, response.text
    assert json_of(server.request("GET", "/scripts/executions", token=token))["total"] == before  # nothing queued
    return json_of(response)["errors"]


def test_targets_that_are_not_allowed_or_not_targets_are_a_400_naming_them(server, target, script, docker_client) -> None:
    dev = server.token("dev-member", teams=("dev",))
    [problem] = refused(server, dev, script, {"target": {"container": target.name}})
    assert problem["field"] == "target.container"
    assert problem["message"] == (f"target container {target.name!r} is not allowed for dev-member (teams: dev; "
                                  "c.StellaScript.allowed_targets)")
    ops = server.token("ops-member-2", teams=("ops",))
    unlabelled = start_target(docker_client, labels={})
    stopped = start_target(docker_client)
    stopped.stop()
    outside = start_target(docker_client, name=f"other-{target.name}")  # labelled, but no pattern of ops names it
    try:
        for name, message in ((unlabelled.name, "lacks the label(s) io.stellascript.target=true"),
                              (stopped.name, "is not running"),
                              (outside.name, "is not allowed for ops-member-2"),
                              ("stella-test-target-none-such", "there is no container")):
            [problem] = refused(server, ops, script, {"target": {"container": name}})
            assert problem["field"] == "target.container" and repr(name) in problem["message"], problem
            assert message in problem["message"], problem
    finally:
        for container in (unlabelled, stopped, outside):
            container.remove()
    both = refused(server, ops, script, {"target": {"container": target.name}, "network_mode": "bridge"})
    assert "exclude each other" in both[0]["message"]
    bad = refused(server, ops, script, {"target": {"container": "not a name"}})
    assert bad[0]["field"] == "target.container"


def test_a_workflow_step_targets_a_container_named_by_an_input(server, target, script) -> None:
    ops = server.token("ops-workflow", teams=("ops",))
    body = {"definition": {"inputs": {"service": {"type": "string", "required": True}},
                           "steps": [{"id": "health", "script": f"target-author/{script['name']}",
                                      "arguments": {"url": f"{target.url}/health"},
                                      "target": {"container": "${{ inputs.service }}"}}]},
            "inputs": {"service": target.name}}
    response = server.request("POST", "/workflows/runs?wait=true", token=ops, json=body)
    assert response.status_code == 200, response.text
    run = json_of(response)
    assert run["status"] == "Succeeded", run
    [execution_id] = run["steps"][0]["execution_ids"]
    record = json_of(server.request("GET", f"/scripts/executions/{execution_id}", token=ops))
    assert record["target"]["id"] == target.id
    # A step may not have both, and a definition saying so is refused where it says it.
    body["definition"]["steps"][0]["network_mode"] = "bridge"
    invalid = server.request("POST", "/workflows/runs", token=ops, json=body)
    assert invalid.status_code == 400 and "exclude each other" in invalid.text
    # Someone whose teams may not use it: the step fails, saying why.
    dev = server.token("dev-workflow", teams=("dev",))
    del body["definition"]["steps"][0]["network_mode"]
    failed = json_of(server.request("POST", "/workflows/runs?wait=true", token=dev, json=body))
    assert failed["status"] == "Failed" and "is not allowed for dev-workflow" in failed["steps"][0]["error"], failed
