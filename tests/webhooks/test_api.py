"""Webhook triggers on a real server: the secret (shown once, stored hashed), GitHub-style signatures,
the body as validated arguments or inputs, ?wait=true, rotate and revoke."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import requests

from tests.servers import json_of

COUNTING = ("# /// stellascript\n# [parameters.count]\n# type = \"integer\"\n# required = true\n# ///\n"
            "echo \"count=$(jq -r .count /scripts/args.json)\"\n")


def _script(server, token, content=COUNTING) -> dict:
    response = server.request("POST", "/scripts", token, json={"name": f"hook-{uuid.uuid4().hex[:8]}", "language": "bash",
                                                               "content": content})
    assert response.status_code == 201, response.text
    return response.json()


def _webhook(server, token, **body) -> dict:
    response = server.request("POST", "/webhooks", token, json={"name": "ci", **body})
    assert response.status_code == 201, response.text
    return response.json()


def _call(hook: dict, body: dict | bytes, secret: str | None = None, signature: str | None = None, wait: bool = False):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["Authorization"] = f"token {secret}"
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return requests.post(hook["url"] + ("?wait=true" if wait else ""), data=data, headers=headers, timeout=120)


def test_the_right_secret_runs_with_the_body_as_arguments(hook_server, hook_owner):
    script = _script(hook_server, hook_owner)
    hook = _webhook(hook_server, hook_owner, script_id=script["name"])
    assert hook["secret"].startswith("sswh_") and hook["url"].endswith(f"/webhooks/{hook['id']}/run")
    record = json_of(_call(hook, {"count": 3}, secret=hook["secret"], wait=True))
    assert record["status"] == "Succeeded" and "count=3" in record["stdout"]
    assert record["trigger"] == "webhook" and record["trigger_id"] == hook["id"] and record["requested_by"] == "hook-owner"
    accepted = _call(hook, {"count": 4}, secret=hook["secret"])
    assert accepted.status_code == 202 and accepted.json()["execution_id"]
    # Shown once: never again in a read, and the database holds its hash only.
    shown = json_of(hook_server.request("GET", f"/webhooks/{hook['id']}", hook_owner))
    assert shown["secret"] is None and shown["signing_key"] is None and shown["last_used_at"]
    # SQLite in WAL mode: the newest pages are in the -wal file.
    database = b"".join(path.read_bytes() for path in hook_server.data_dir.glob("stellascript.db*"))
    assert hook["secret"].encode() not in database
    assert hashlib.sha256(hook["secret"].encode()).hexdigest().encode() in database
    filtered = json_of(hook_server.request("GET", "/scripts/executions?trigger=webhook", hook_owner))["items"]
    assert record["id"] in {item["id"] for item in filtered}


def test_the_body_is_validated_against_the_parameters(hook_server, hook_owner):
    hook = _webhook(hook_server, hook_owner, script_id=_script(hook_server, hook_owner)["id"])
    refused = _call(hook, {"count": "many"}, secret=hook["secret"])
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "arguments.count"
    missing = _call(hook, b"", secret=hook["secret"])
    assert missing.status_code == 400 and "required" in json.dumps(missing.json()["errors"])
    not_json = _call(hook, b"[1, 2]", secret=hook["secret"])
    assert not_json.status_code == 400


def test_wrong_missing_or_revoked_secrets_and_bad_signatures_are_401(hook_server, hook_owner):
    hook = _webhook(hook_server, hook_owner, script_id=_script(hook_server, hook_owner)["id"])
    body = json.dumps({"count": 1}).encode()
    assert _call(hook, body, secret="sswh_wrong").status_code == 401
    assert _call(hook, body).status_code == 401
    assert _call({"url": hook["url"].replace(hook["id"], str(uuid.uuid4()))}, body, secret=hook["secret"]).status_code == 401
    signed = "sha256=" + hmac.new(hook["signing_key"].encode(), body, hashlib.sha256).hexdigest()
    assert _call(hook, body, signature=signed).status_code == 202
    assert _call(hook, body + b" ", signature=signed).status_code == 401
    assert _call(hook, body, signature="sha256=" + "0" * 64).status_code == 401
    # Rotated: the old secret stops; revoked: the new one too.
    rotated = json_of(hook_server.request("POST", f"/webhooks/{hook['id']}/rotate", hook_owner))
    assert _call(hook, body, secret=hook["secret"]).status_code == 401
    assert _call(hook, body, secret=rotated["secret"]).status_code == 202
    revoked = json_of(hook_server.request("POST", f"/webhooks/{hook['id']}/revoke", hook_owner))
    assert revoked["revoked"] is True
    assert _call(hook, body, secret=rotated["secret"]).status_code == 401


def test_the_secret_starts_that_one_target_and_nothing_else(hook_server, hook_owner):
    first = _webhook(hook_server, hook_owner, script_id=_script(hook_server, hook_owner)["id"])
    second = _webhook(hook_server, hook_owner, script_id=_script(hook_server, hook_owner)["id"])
    assert _call(second, {"count": 1}, secret=first["secret"]).status_code == 401
    as_token = {"Authorization": f"token {first['secret']}"}
    assert requests.get(f"{hook_server.url}/scripts", headers=as_token, timeout=30).status_code == 401
    assert requests.post(f"{hook_server.url}/scripts/executions", headers=as_token, timeout=30,
                         json={"language": "bash", "content": "echo no\n"}).status_code == 401
    # Only its owner sees and changes it.
    other = hook_server.token("hook-other")
    assert hook_server.request("GET", f"/webhooks/{first['id']}", other).status_code == 404
    assert hook_server.request("POST", f"/webhooks/{first['id']}/rotate", other).status_code == 404
    assert first["id"] not in {h["id"] for h in json_of(hook_server.request("GET", "/webhooks", other))["items"]}


def test_a_workflow_webhook_takes_its_inputs(hook_server, hook_owner):
    script = _script(hook_server, hook_owner, "echo \"hi $(jq -r .who /scripts/args.json)\"\n")
    workflow = json_of(hook_server.request("POST", "/workflows", hook_owner, json={
        "name": f"wf-{script['name']}", "definition": {
            "inputs": {"who": {"type": "string", "required": True}},
            "steps": [{"id": "greet", "script": script["id"], "arguments": {"who": "${{ inputs.who }}"}}]}}))
    hook = _webhook(hook_server, hook_owner, workflow_id=workflow["id"])
    refused = _call(hook, {"who": 5}, secret=hook["secret"])
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "inputs.who"
    run = json_of(_call(hook, {"who": "ci"}, secret=hook["secret"], wait=True))
    assert run["status"] == "Succeeded" and run["trigger"] == "webhook" and run["trigger_id"] == hook["id"]
