"""POST /scripts/executions: ad-hoc runs of content that is not in the registry."""

from __future__ import annotations

import hashlib
import time

from tests.servers import json_of


def wait_done(server, execution_id: str, token: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        record = json_of(server.request("GET", f"/scripts/executions/{execution_id}", token=token))
        if record["status"] not in ("Queued", "Running"):
            return record
        assert time.monotonic() < deadline, record
        time.sleep(0.1)


def test_an_adhoc_run_is_recorded_without_a_script(server):
    alice = server.token("adhoc-alice")
    content = "import json\nprint(json.load(open('/scripts/args.json'))['x'])\n"
    waited = server.request("POST", "/scripts/executions?wait=true", token=alice,
                            json={"language": "python", "content": content, "arguments": {"x": "42"}, "environment": {"K": "v"}})
    assert waited.status_code == 200, waited.text
    record = json_of(waited)
    assert (record["status"], record["stdout"], record["script_id"], record["script_version"]) == ("Succeeded", "42\n", None, None)
    assert record["content_sha256"] == hashlib.sha256(content.encode()).hexdigest()
    assert (record["requested_by"], record["language"], record["environment_keys"]) == ("adhoc-alice", "python", ["K"])
    accepted = server.request("POST", "/scripts/executions", token=alice, json={"language": "bash", "content": "echo $0\n",
                                                                                 "entry_point": "job.sh"})
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["Location"].endswith(f"/scripts/executions/{json_of(accepted)['execution_id']}")
    assert wait_done(server, json_of(accepted)["execution_id"], alice)["stdout"].strip().endswith("job.sh")
    listed = json_of(server.request("GET", "/scripts/executions?limit=500", token=alice))["items"]
    assert record["id"] in [item["id"] for item in listed]


def test_only_the_requester_or_an_admin_sees_or_cancels_an_adhoc_run(server):
    owner, other, admin = server.token("adhoc-owner"), server.token("adhoc-other"), server.token("adhoc-admin", admin=True)
    accepted = json_of(server.request("POST", "/scripts/executions", token=owner,
                                      json={"language": "bash", "content": "sleep 30\n", "timeout": 60}))
    execution_id = accepted["execution_id"]
    for token in (other, None):
        assert server.request("GET", f"/scripts/executions/{execution_id}", token=token).status_code == 404
        assert server.request("GET", f"/scripts/executions/{execution_id}/logs?follow=false", token=token).status_code == 404
        assert server.request("POST", f"/scripts/executions/{execution_id}/cancel", token=token).status_code == 404
        listed = json_of(server.request("GET", "/scripts/executions?limit=500", token=token))["items"]
        assert execution_id not in [item["id"] for item in listed]
    assert json_of(server.request("GET", f"/scripts/executions/{execution_id}", token=admin))["requested_by"] == "adhoc-owner"
    cancelled = server.request("POST", f"/scripts/executions/{execution_id}/cancel", token=owner)
    assert cancelled.status_code == 200, cancelled.text
    assert wait_done(server, execution_id, owner)["status"] == "Cancelled"


def test_adhoc_runs_are_validated_and_need_a_user(server):
    token = server.token("adhoc-validate")
    anonymous = server.request("POST", "/scripts/executions", json={"language": "bash", "content": "echo hi\n"})
    assert anonymous.status_code == 401, anonymous.text
    invalid = server.request("POST", "/scripts/executions", token=token, json={
        "language": "cobol", "content": "", "arguments": {"a": 1}, "timeout": -1, "network_mode": "wifi"})
    assert invalid.status_code == 400
    fields = {error["field"] for error in json_of(invalid)["errors"]}
    assert {"language", "content"} <= fields
    invalid = server.request("POST", "/scripts/executions", token=token, json={
        "language": "bash", "content": "echo\n", "entry_point": "../x.sh", "arguments": {"a": 1}, "timeout": -1, "network_mode": "wifi"})
    assert {"entry_point"} <= {error["field"] for error in json_of(invalid)["errors"]}
    invalid = server.request("POST", "/scripts/executions", token=token, json={
        "language": "bash", "content": "echo\n", "arguments": {"a": 1}, "timeout": -1, "network_mode": "wifi"})
    assert {error["field"] for error in json_of(invalid)["errors"]} == {"arguments", "timeout", "network_mode"}
    # Nothing is syntax-checked beforehand: the run reports what the compiler says.
    broken = json_of(server.request("POST", "/scripts/executions?wait=true", token=token,
                                    json={"language": "python", "content": "x = (\n"}))
    assert broken["status"] == "Failed" and "SyntaxError" in broken["stderr"], broken


def test_health_says_who_the_caller_is(server):
    token = server.token("adhoc-who", teams=("ops",))
    assert json_of(server.request("GET", "/health", token=token))["caller"] == {"name": "adhoc-who", "teams": ["ops"], "admin": False}
    assert json_of(server.request("GET", "/health"))["caller"] is None
    unknown = server.request("GET", "/health", token="sst_nope")
    assert unknown.status_code == 200 and json_of(unknown)["caller"] is None
