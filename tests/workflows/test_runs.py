"""Workflow runs through the REST API of a real server, with real containers
(Bash and Python steps): DAG order and parallelism, outputs between steps,
conditions, retries, timeouts, fan-out, cancel, rerun, pinned versions,
visibility and events (a server killed mid-run: test_takeover.py)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from urllib.parse import quote
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.handlers.test_openapi import check
from tests.servers import RunningServer, json_of

pytestmark = pytest.mark.slow

POOLS = {"python": {"min_containers": 2}, "bash": {"min_containers": 3},
         **{name: {"min_containers": 0} for name in ("go", "java", "typescript", "csharp")}}
SETTINGS = {"pool_sizes": POOLS, "allow_host_network": True}

# Bash: publish the arguments' "key" and "value" as an output, after sleeping "sleep" seconds.
PUBLISH = """set -e
sleep "$(jq -r '.sleep // "0"' /scripts/args.json)"
jq -c '{(.key // "value"): (.value // ""), at: (now | tostring)}' /scripts/args.json > "$STELLASCRIPT_OUTPUT"
test "$(jq -r '.fail // "no"' /scripts/args.json)" = no
"""
# Python: GET the "url" argument; publish the answer; fail unless it is 200.
FETCH = """import json, os, sys, urllib.request, urllib.error
args = json.load(open('/scripts/args.json'))
try:
    status = urllib.request.urlopen(args['url'], timeout=5).status
except urllib.error.HTTPError as error:
    status = error.code
json.dump({'status': status}, open(os.environ['STELLASCRIPT_OUTPUT'], 'w'))
sys.exit(0 if status == 200 else 1)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, runtime_images):
    running = RunningServer(tmp_path_factory.mktemp("workflows-server"), settings=SETTINGS).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def alice(server) -> str:
    return server.token("alice", teams=("ops",))


@pytest.fixture(scope="module")
def scripts(server, alice) -> dict[str, dict]:
    made = {}
    for name, language, content in (("publish", "bash", PUBLISH), ("fetch", "python", FETCH)):
        unique = f"{name}-{uuid.uuid4().hex[:6]}"
        response = server.request("POST", "/scripts", token=alice, json={
            "name": unique, "language": language, "content": content, "visibility": "private"})
        assert response.status_code == 201, response.text
        made[name] = json_of(response)
    return made


class FlakyService:
    """A host-side HTTP service on loopback answering 500 to the first ``failures`` calls, then 200."""

    def __init__(self, failures: int) -> None:
        self.calls: list[float] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                service.calls.append(time.monotonic())
                self.send_response(500 if len(service.calls) <= failures else 200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/health"

    def close(self) -> None:
        self.httpd.shutdown()


def definition(scripts: dict, steps: list[dict], **extra) -> dict:
    for step in steps:
        step["script"] = scripts[step.pop("uses", "publish")]["name"]
    return {"steps": steps, **extra}


def run_local(server, token, body: dict, wait: bool = True) -> dict:
    response = server.request("POST", f"/workflows/runs{'?wait=true' if wait else ''}", token=token, json=body)
    assert response.status_code == (200 if wait else 202), response.text
    return json_of(response)


def steps_of(run: dict) -> dict[str, dict]:
    return {step["id"]: step for step in run["steps"]}


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_dag_order_parallelism_and_outputs_between_steps(server, alice, scripts):
    body = {"definition": definition(scripts, [
        {"id": "left", "arguments": {"key": "word", "value": "hello", "sleep": "1.5"}},
        {"id": "right", "arguments": {"key": "word", "value": "world", "sleep": "1.5"}},
        {"id": "join", "needs": ["left", "right"], "arguments": {
            "key": "sentence", "value": "${{ steps.left.outputs.word }}, ${{ steps.right.outputs.word }}!"}},
    ], max_concurrent=2)}
    run = run_local(server, alice, body)
    assert run["status"] == "Succeeded", run
    steps = steps_of(run)
    left, right, join = steps["left"], steps["right"], steps["join"]
    assert join["outputs"]["sentence"] == "hello, world!"
    # left and right overlapped (each sleeps 1.5 s); join started after both ended.
    assert moment(left["started_at"]) < moment(right["completed_at"]) and moment(right["started_at"]) < moment(left["completed_at"])
    assert moment(join["started_at"]) >= max(moment(left["completed_at"]), moment(right["completed_at"]))
    # Every step is an ordinary execution, marked with its run and step.
    [execution_id] = join["execution_ids"]
    record = json_of(server.request("GET", f"/scripts/executions/{execution_id}", token=alice))
    assert (record["workflow_run_id"], record["step_id"], record["outputs"]["sentence"]) == (run["id"], "join", "hello, world!")


def test_conditions_failure_branch_and_always(server, alice, scripts):
    body = {"definition": definition(scripts, [
        {"id": "check", "arguments": {"key": "reason", "value": "disk full", "fail": "yes"}},
        {"id": "deploy", "needs": ["check"], "arguments": {"value": "deployed"}},
        {"id": "notify", "needs": ["check"], "if": "${{ failure() }}",
         "arguments": {"key": "message", "value": "check failed: ${{ steps.check.outputs.reason }}"}},
        {"id": "celebrate", "needs": ["check"], "if": "${{ success() }}", "arguments": {}},
        {"id": "cleanup", "needs": ["deploy", "notify"], "if": "${{ always() }}",
         "arguments": {"key": "saw", "value": "${{ steps.deploy.status }}/${{ steps.notify.status }}"}},
    ])}
    run = run_local(server, alice, body)
    steps = steps_of(run)
    assert run["status"] == "Failed", run
    assert {sid: s["status"] for sid, s in steps.items()} == {
        "check": "Failed", "deploy": "Skipped", "notify": "Succeeded", "celebrate": "Skipped", "cleanup": "Succeeded"}, (steps["cleanup"]["error"], steps["cleanup"]["outputs"])
    assert steps["check"]["outputs"] == {"reason": "disk full", "at": steps["check"]["outputs"]["at"]}
    assert steps["notify"]["outputs"]["message"] == "check failed: disk full"
    assert steps["cleanup"]["outputs"]["saw"] == "Skipped/Succeeded"
    assert steps["deploy"]["execution_ids"] == [] and steps["check"]["exit_code"] == 1


def test_retries_against_a_flaky_service_with_backoff_and_continue_on_error(server, alice, scripts):
    service = FlakyService(failures=2)
    try:
        body = {"definition": definition(scripts, [
            {"id": "smoke", "uses": "fetch", "network_mode": "host", "arguments": {"url": service.url},
             "retries": {"max": 3, "delay": "0.5s", "backoff": 2}},
            {"id": "never", "uses": "fetch", "network_mode": "host", "arguments": {"url": service.url + "?x"},
             "retries": {"max": 0}, "continue_on_error": True, "needs": ["smoke"], "if": "false"},
        ])}
        run = run_local(server, alice, body)
    finally:
        service.close()
    smoke = steps_of(run)["smoke"]
    assert run["status"] == "Succeeded", run
    assert (smoke["status"], smoke["attempts"], len(smoke["execution_ids"])) == ("Succeeded", 3, 3)
    assert smoke["outputs"] == {"status": 200} and len(service.calls) == 3
    gaps = [later - earlier for earlier, later in zip(service.calls, service.calls[1:])]
    assert gaps[0] >= 0.5 and gaps[1] >= 1.0, gaps  # delay, then delay * backoff


def test_a_step_timeout_and_continue_on_error(server, alice, scripts):
    body = {"definition": definition(scripts, [
        {"id": "slow", "arguments": {"sleep": "30"}, "timeout": "1s", "continue_on_error": True},
        {"id": "after", "needs": ["slow"], "arguments": {"value": "went on"}},
    ])}
    started = time.monotonic()
    run = run_local(server, alice, body)
    assert time.monotonic() - started < 20
    steps = steps_of(run)
    assert run["status"] == "Succeeded" and steps["slow"]["status"] == "Failed" and steps["slow"]["continued"]
    assert "TimedOut" in steps["slow"]["error"] and steps["after"]["outputs"]["value"] == "went on"
    record = json_of(server.request("GET", f"/scripts/executions/{steps['slow']['execution_ids'][0]}", token=alice))
    assert record["status"] == "TimedOut" and record["timeout"] == 1


def test_fan_out_outputs_are_the_items_outputs_in_order(server, alice, scripts):
    body = {"inputs": {"hosts": ["alpha", "beta", "gamma", "delta"]}, "definition": {
        **definition(scripts, [
            {"id": "ports", "for_each": "${{ inputs.hosts }}", "max_parallel": 2,
             "arguments": {"key": "host", "value": "${{ item }}", "sleep": "1"}},
            {"id": "summary", "needs": ["ports"], "arguments": {"value": "${{ steps.ports.outputs[3].host }}"}},
        ]), "inputs": {"hosts": {"type": "array", "required": True}}}}
    run = run_local(server, alice, body)
    ports = steps_of(run)["ports"]
    assert run["status"] == "Succeeded", run
    assert [item["host"] for item in ports["outputs"]] == ["alpha", "beta", "gamma", "delta"]
    assert [item["item"] for item in ports["items"]] == ["alpha", "beta", "gamma", "delta"]
    assert len(ports["execution_ids"]) == 4 and steps_of(run)["summary"]["outputs"]["value"] == "delta"
    check(json_of(server.request("GET", "/openapi.json")), "WorkflowRun", run)
    # max_parallel 2: never more than two items at once.
    spans = []
    for item in ports["items"]:
        record = json_of(server.request("GET", f"/scripts/executions/{item['execution_ids'][0]}", token=alice))
        spans.append((moment(record["started_at"]), moment(record["completed_at"])))
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= 2, spans


def test_max_concurrent_counts_fan_out_items_with_the_other_steps(server, alice, scripts):
    body = {"definition": definition(scripts, [
        {"id": "items", "for_each": ["a", "b", "c"], "max_parallel": 3, "arguments": {"value": "${{ item }}", "sleep": "1"}},
        {"id": "side", "arguments": {"sleep": "1"}},
    ], max_concurrent=2)}
    run = run_local(server, alice, body)
    assert run["status"] == "Succeeded", run
    spans = []
    for step in run["steps"]:
        for execution_id in step["execution_ids"]:
            record = json_of(server.request("GET", f"/scripts/executions/{execution_id}", token=alice))
            spans.append((moment(record["started_at"]), moment(record["completed_at"])))
    assert len(spans) == 4
    # Four one-second executions, two at a time: never three at once.
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= 2, spans


def test_cancel_cancels_running_steps_skips_the_rest_and_always_runs(server, alice, scripts):
    body = {"definition": definition(scripts, [
        {"id": "long", "arguments": {"sleep": "60"}},
        {"id": "next", "needs": ["long"], "arguments": {}},
        {"id": "report", "needs": ["next"], "if": "${{ always() }}", "arguments": {"value": "${{ steps.long.status }}"}},
    ])}
    accepted = run_local(server, alice, body, wait=False)
    run_id = accepted["run_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = json_of(server.request("GET", f"/workflows/runs/{run_id}", token=alice))
        if steps_of(run)["long"]["execution_ids"]:
            break
        time.sleep(0.2)
    time.sleep(1)
    response = server.request("POST", f"/workflows/runs/{run_id}/cancel", token=alice)
    assert response.status_code == 200, response.text
    while time.monotonic() < deadline:
        run = json_of(server.request("GET", f"/workflows/runs/{run_id}", token=alice))
        if run["status"] not in ("Queued", "Running"):
            break
        time.sleep(0.2)
    steps = steps_of(run)
    assert run["status"] == "Cancelled" and run["reason"] == "cancelled"
    assert (steps["long"]["status"], steps["next"]["status"], steps["report"]["status"]) == ("Cancelled", "Skipped", "Succeeded")
    assert steps["report"]["outputs"]["value"] == "Cancelled"


def test_rerun_from_a_failed_step_reuses_the_outputs_of_those_that_succeeded(server, alice, scripts):
    service = FlakyService(failures=1)
    try:
        body = {"definition": definition(scripts, [
            {"id": "token", "arguments": {"key": "token", "value": uuid.uuid4().hex}},
            {"id": "smoke", "uses": "fetch", "needs": ["token"], "network_mode": "host", "arguments": {"url": service.url}},
            {"id": "report", "needs": ["smoke"], "arguments": {"value": "${{ steps.token.outputs.token }}"}},
        ])}
        first = run_local(server, alice, body)
        assert first["status"] == "Failed" and steps_of(first)["report"]["status"] == "Skipped"
        response = server.request("POST", f"/workflows/runs/{first['id']}/rerun?wait=true", token=alice, json={})
        assert response.status_code == 200, response.text
        second = json_of(response)
    finally:
        service.close()
    old, new = steps_of(first), steps_of(second)
    assert second["status"] == "Succeeded" and second["rerun_of"] == first["id"]
    assert new["token"]["reused"] and new["token"]["execution_ids"] == old["token"]["execution_ids"]
    assert new["smoke"]["execution_ids"] != old["smoke"]["execution_ids"] and new["smoke"]["outputs"] == {"status": 200}
    assert new["report"]["outputs"]["value"] == old["token"]["outputs"]["token"]
    # from_step runs a succeeded step again, with what depends on it.
    third = json_of(server.request("POST", f"/workflows/runs/{second['id']}/rerun?wait=true", token=alice,
                                   json={"from_step": "report"}))
    assert steps_of(third)["smoke"]["reused"] and not steps_of(third)["report"]["reused"]


def test_saved_workflows_run_their_pinned_versions_and_only_for_who_can_read_the_scripts(server, alice):
    script = json_of(server.request("POST", "/scripts", token=alice, json={
        "name": f"pinned-{uuid.uuid4().hex[:6]}", "language": "bash", "content": PUBLISH}))
    created = server.request("POST", "/workflows", token=alice, json={
        "name": f"pinned-{uuid.uuid4().hex[:6]}", "visibility": "public",
        "definition": f"steps:\n  - id: one\n    script: {script['name']}\n    arguments: {{value: v1}}\n"})
    assert created.status_code == 201, created.text
    workflow = json_of(created)
    pinned = workflow["pins"]["one"]["version"]
    changed = server.request("PUT", f"/scripts/{script['id']}", token=alice, json={"content": PUBLISH + "exit 9\n"})
    assert changed.status_code == 200, changed.text
    run = json_of(server.request("POST", f"/workflows/{workflow['id']}/run?wait=true", token=alice, json={}))
    assert run["status"] == "Succeeded" and run["workflow_version"] == "1.0.0"
    record = json_of(server.request("GET", f"/scripts/executions/{steps_of(run)['one']['execution_ids'][0]}", token=alice))
    assert record["script_version"] == pinned
    listed = json_of(server.request("GET", f"/workflows/runs?workflow_id={workflow['id']}", token=alice))
    assert [item["id"] for item in listed["items"]] == [run["id"]]
    # The execution centre's filters: user and time range, read as the executions list reads them.
    def listing(query: str) -> list[str]:
        return [item["id"] for item in json_of(server.request("GET", f"/workflows/runs?workflow_id={workflow['id']}&{query}", token=alice))["items"]]
    queued = quote(run["queued_at"])
    assert listing("requested_by=alice") == [run["id"]] and listing("requested_by=bob") == []
    assert listing(f"since={queued}") == [run["id"]] and listing(f"until={queued}") == []
    assert listing("since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z") == [run["id"]]
    bad_filters = server.request("GET", "/workflows/runs?since=yesterday&status=Nope", token=alice)
    assert bad_filters.status_code == 400 and {e["field"] for e in json_of(bad_filters)["errors"]} == {"since", "status"}
    # Bob sees the public workflow but cannot read alice's private script: he cannot run it.
    bob = server.token("bob")
    refused = server.request("POST", f"/workflows/{workflow['id']}/run", token=bob, json={})
    assert refused.status_code == 403 and "cannot read" in refused.text
    assert server.request("GET", f"/workflows/runs/{run['id']}", token=bob).status_code == 404
    assert server.request("POST", f"/workflows/{workflow['id']}/run", json={}).status_code == 401
    bad = server.request("POST", f"/workflows/{workflow['id']}/run", token=alice, json={"inputs": {"nope": 1}})
    assert bad.status_code == 400 and json_of(bad)["errors"][0]["field"] == "inputs.nope"
    # The answers are what openapi.json says.
    spec = json_of(server.request("GET", "/openapi.json"))
    check(spec, "Workflow", workflow)
    check(spec, "WorkflowRun", run)
    check(spec, "WorkflowRunList", listed)
    check(spec, "WorkflowList", json_of(server.request("GET", "/workflows?q=pinned", token=alice)))
    check(spec, "WorkflowVersionList", json_of(server.request("GET", f"/workflows/{workflow['id']}/versions", token=alice)))
    check(spec, "Workflow", json_of(server.request("GET", f"/workflows/{workflow['id']}/versions/1.0.0", token=alice)))
    schema = server.request("GET", "/workflows/schema")
    assert schema.status_code == 200 and "steps" in json_of(schema)["properties"]


def test_events_stream_steps_and_their_output(server, alice, scripts):
    body = {"definition": definition(scripts, [{"id": "talk", "uses": "publish", "arguments": {"value": "x", "sleep": "1"}}])}
    run_id = run_local(server, alice, body, wait=False)["run_id"]
    events = []
    with requests.get(f"{server.url}/workflows/runs/{run_id}/events", headers={"Authorization": f"token {alice}"},
                      stream=True, timeout=60) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        for line in response.iter_lines(decode_unicode=True):
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    kinds = [event["type"] for event in events]
    assert kinds[-1] == "end" and events[-1]["status"] == "Succeeded"
    step_statuses = [event["status"] for event in events if event["type"] == "step"]
    assert step_statuses[0] == "Running" and step_statuses[-1] == "Succeeded"
    assert "execution" in kinds


def metric(server, name: str, **labels: str) -> float:
    """The sum of the series of ``name`` that have these labels (among others)."""
    total = 0.0
    for line in server.request("GET", "/metrics").text.splitlines():
        series, _, value = line.rpartition(" ")
        if series.startswith(name + "{") and all(f'{key}="{wanted}"' in series for key, wanted in labels.items()):
            total += float(value)
    return total


def test_after_preloading_the_first_run_is_all_compile_cache_hits_and_warm_containers(server, alice, scripts):
    marker = uuid.uuid4().hex  # content no compile cache has seen
    go = json_of(server.request("POST", "/scripts", token=alice, json={
        "name": f"go-{marker[:6]}", "language": "go", "content":
        f'package main\n\nimport "os"\n\n// {marker}\nfunc main() {{\n\tos.WriteFile(os.Getenv("STELLASCRIPT_OUTPUT"), '
        f'[]byte(`{{"lang": "go"}}`), 0o644)\n}}\n'}))
    created = json_of(server.request("POST", "/workflows", token=alice, json={
        "name": f"preload-{marker[:6]}", "definition": {"steps": [
            {"id": "compiled", "script": go["name"]},
            {"id": "again", "script": go["name"], "needs": ["compiled"]},
            {"id": "shell", "script": scripts["publish"]["name"], "arguments": {"value": "sh"}}]}}))
    response = server.request("POST", f"/workflows/{created['id']}/preload", token=alice, timeout=300)
    assert response.status_code == 200, response.text
    report = json_of(response)
    outcomes = {item["step"]: item["outcome"] for item in report["scripts"]}
    # The save's own preload may have compiled it first: then this one finds it cached.
    assert outcomes[next(s for s in outcomes if s in ("compiled", "again"))] in ("compiled", "cached")
    assert outcomes["shell"] == "nothing_to_do" and report["warm"] == {"go": 2, "bash": 1}
    assert metric(server, "stella_workflow_preload_scripts_total", language="go") >= 1
    assert metric(server, "stella_workflow_preload_duration_seconds_count", trigger="request") >= 1
    pool_hits = {language: metric(server, "stella_container_pool_hits_total", language=language) for language in ("go", "bash")}
    run = json_of(server.request("POST", f"/workflows/{created['id']}/run?wait=true", token=alice, json={}))
    assert run["status"] == "Succeeded", run
    for step_id in ("compiled", "again"):
        record = json_of(server.request("GET", f"/scripts/executions/{steps_of(run)[step_id]['execution_ids'][0]}", token=alice))
        assert record["compile_cache_hit"] is True and record["outputs"] == {"lang": "go"}
    assert metric(server, "stella_container_pool_hits_total", language="go") == pool_hits["go"] + 2
    assert metric(server, "stella_container_pool_hits_total", language="bash") == pool_hits["bash"] + 1


# Each reads the "chain" argument and publishes it with its language appended.
CHAIN = {
    "python": "import json, os\nchain = json.load(open('/scripts/args.json'))['chain']\n"
              "json.dump({'chain': chain + ' python'}, open(os.environ['STELLASCRIPT_OUTPUT'], 'w'))\n",
    "bash": 'jq -c \'{chain: (.chain + " bash")}\' /scripts/args.json > "$STELLASCRIPT_OUTPUT"\n',
    "go": 'package main\n\nimport (\n\t"encoding/json"\n\t"os"\n)\n\nfunc main() {\n\tvar args map[string]string\n'
          '\tdata, _ := os.ReadFile("/scripts/args.json")\n\tjson.Unmarshal(data, &args)\n'
          '\tout, _ := json.Marshal(map[string]string{"chain": args["chain"] + " go"})\n'
          '\tos.WriteFile(os.Getenv("STELLASCRIPT_OUTPUT"), out, 0o644)\n}\n',
    "java": 'import java.nio.file.*;\n\npublic class Main {\n    public static void main(String[] a) throws Exception {\n'
            '        String json = Files.readString(Path.of("/scripts/args.json"));\n'
            '        String chain = json.replaceAll("(?s).*\\"chain\\"\\\\s*:\\\\s*\\"([^\\"]*)\\".*", "$1");\n'
            '        Files.writeString(Path.of(System.getenv("STELLASCRIPT_OUTPUT")), "{\\"chain\\": \\"" + chain + " java\\"}");\n'
            '    }\n}\n',
    "typescript": 'import * as fs from "fs";\nconst args = JSON.parse(fs.readFileSync("/scripts/args.json", "utf8"));\n'
                  'fs.writeFileSync(process.env.STELLASCRIPT_OUTPUT as string, JSON.stringify({chain: args.chain + " typescript"}));\n',
    "csharp": 'using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing System.Web.Script.Serialization;\n\n'
              'class Program\n{\n    static void Main()\n    {\n        var serializer = new JavaScriptSerializer();\n'
              '        var args = serializer.Deserialize<Dictionary<string, string>>(File.ReadAllText("/scripts/args.json"));\n'
              '        var outputs = new Dictionary<string, string> { { "chain", args["chain"] + " csharp" } };\n'
              '        File.WriteAllText(Environment.GetEnvironmentVariable("STELLASCRIPT_OUTPUT"), serializer.Serialize(outputs));\n'
              '    }\n}\n',
}


def test_outputs_flow_between_steps_in_every_language(server, alice):
    steps, previous = [], None
    for language, content in CHAIN.items():
        script = json_of(server.request("POST", "/scripts", token=alice, json={
            "name": f"chain-{language}-{uuid.uuid4().hex[:6]}", "language": language, "content": content}))
        assert "id" in script, script
        chain = "${{ steps.%s.outputs.chain }}" % previous if previous else "start"
        steps.append({"id": language, "script": script["id"], "arguments": {"chain": chain},
                      **({"needs": [previous]} if previous else {})})
        previous = language
    run = run_local(server, alice, {"definition": {"steps": steps}})
    assert run["status"] == "Succeeded", [(s["id"], s["status"], s["error"]) for s in run["steps"]]
    assert steps_of(run)["csharp"]["outputs"] == {"chain": "start python bash go java typescript csharp"}


SECRET_STEP = r'''
echo "token:$API_TOKEN"
jq -n --arg t "$(cat /run/secrets/wf-api-token)" '{token: $t}' > "$STELLASCRIPT_OUTPUT"
'''


def test_a_step_maps_secrets_to_its_environment_for_whoever_runs_the_workflow(server, alice):
    value = f"wf-secret-{uuid.uuid4().hex}"
    created = server.request("POST", "/secrets", token=alice, json={"name": "wf-api-token", "value": value})
    assert created.status_code == 201, created.text
    script = json_of(server.request("POST", "/scripts", token=alice, json={
        "name": f"secret-step-{uuid.uuid4().hex[:6]}", "language": "bash", "content": SECRET_STEP, "visibility": "public"}))
    body = {"definition": {"steps": [{"id": "call", "script": script["name"], "secrets": {"API_TOKEN": "wf-api-token"}}]}}
    run = run_local(server, alice, body)
    assert run["status"] == "Succeeded", run
    step = steps_of(run)["call"]
    assert step["outputs"] == {"token": "***"}  # delivered, and masked wherever it is shown
    [execution_id] = step["execution_ids"]
    record = json_of(server.request("GET", f"/scripts/executions/{execution_id}", token=alice))
    assert record["stdout"] == "token:***\n" and value not in json.dumps(run)
    assert record["secrets"] == [{"name": "wf-api-token", "owner": "alice", "version": 1, "env": "API_TOKEN"}]
    # Someone who may run the (public) script but not use the secret: the step is refused, nothing runs.
    bob = server.token("bob")
    refused = server.request("POST", "/workflows/runs?wait=true", token=bob, json={"definition": {"steps": [
        {"id": "call", "script": f"alice/{script['name']}", "secrets": {"API_TOKEN": "alice/wf-api-token"}}]}})
    assert refused.status_code == 200, refused.text
    denied = steps_of(json_of(refused))["call"]
    assert (json_of(refused)["status"], denied["status"], denied["execution_ids"]) == ("Failed", "Failed", [])
    assert denied["error"] == "no secret 'alice/wf-api-token' that you may use"
    assert value not in refused.text
