"""A schedule's script runs take the execute body's options: a target container, tags, priority."""

from __future__ import annotations

import uuid

import pytest

from tests.servers import json_of
from tests.targets import target_container

from .conftest import bash_script, create_schedule, wait_for

pytestmark = pytest.mark.slow

CHECK = """import json, urllib.request
url = json.load(open("/scripts/args.json"))["url"]
print(urllib.request.urlopen(url, timeout=5).read().decode())
"""


def test_a_scheduled_run_checks_its_target_container_with_its_priority(sched_server, owner_token, docker_client):
    script = json_of(sched_server.request("POST", "/scripts", owner_token, json={
        "name": f"sched-target-{uuid.uuid4().hex[:8]}", "language": "python", "content": CHECK}))
    with target_container(docker_client, routes={"/health": (200, {"status": "scheduled"})}) as target:
        schedule = create_schedule(sched_server, owner_token, script_id=script["id"], cron="0 0 1 1 *",
                                   arguments={"url": f"{target.url}/health"}, target={"container": target.name},
                                   priority="high")
        assert (schedule["target"], schedule["priority"], schedule["tags"]) == ({"container": target.name}, "high", {})
        fire = json_of(sched_server.request("POST", f"/schedules/{schedule['id']}/run-now", owner_token))
        record = wait_for(lambda: (lambda r: r if r["status"] not in ("Queued", "Running") else None)(
            json_of(sched_server.request("GET", f"/scripts/executions/{fire['run_id']}", owner_token))), what="the run")
    assert record["status"] == "Succeeded", (record["error"], record["stderr"])
    assert record["stdout"].strip() == '{"status": "scheduled"}'
    assert record["target"]["id"] == target.id and record["priority"] == "high" and record["trigger"] == "schedule"
    # Tags replace, null goes back to the default, what is left out stays.
    updated = json_of(sched_server.request("PUT", f"/schedules/{schedule['id']}", owner_token,
                                           json={"tags": {"site": "eu-1"}, "priority": None}))
    assert (updated["tags"], updated["priority"], updated["target"]) == ({"site": "eu-1"}, "normal", {"container": target.name})


def test_a_workflow_schedule_refuses_run_options(sched_server, owner_token):
    script = bash_script(sched_server, owner_token)
    workflow = json_of(sched_server.request("POST", "/workflows", owner_token, json={
        "name": f"wf-opts-{script['name']}", "definition": {"steps": [{"id": "one", "script": script["id"]}]}}))
    response = sched_server.request("POST", "/schedules", owner_token, json={
        "workflow_id": workflow["id"], "cron": "0 0 1 1 *", "tags": {"site": "eu-1"}})
    assert response.status_code == 400, response.text
    assert "own target, tags and priority" in response.text
