"""A workflow run outlives its server (issue 14): kill -9 of the server
mid-run, and the next server to start (SQLite), or a live peer sharing the
database (PostgreSQL), takes the run over and drives it on from its stored
state — the attempt in flight followed, not started twice; steps already
done not run again; its requester told its end once, its start not again."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.servers import RunningServer, json_of, wait_for
from tests.workflows.test_runs import SETTINGS, steps_of

pytestmark = pytest.mark.slow

# Bash: publish the arguments' "value" after sleeping "sleep" seconds.
PUBLISH = """set -e
sleep "$(jq -r '.sleep // "0"' /scripts/args.json)"
jq -c '{value: (.value // "")}' /scripts/args.json > "$STELLASCRIPT_OUTPUT"
echo "published $(jq -r .value /scripts/args.json)"
"""


def create_publisher(server: RunningServer, token: str) -> str:
    response = server.request("POST", "/scripts", token=token, json={
        "name": f"publish-{uuid.uuid4().hex[:6]}", "language": "bash", "content": PUBLISH})
    assert response.status_code == 201, response.text
    return json_of(response)["name"]


def definition(script: str, slow: dict) -> dict:
    """done (quick) → slow (the step the server dies in) → after (uses slow's output)."""
    return {"steps": [
        {"id": "done", "script": script, "arguments": {"value": "first"}},
        {"id": "slow", "script": script, "needs": ["done"], "arguments": {"value": "from-slow", "sleep": "6"}, **slow},
        {"id": "after", "script": script, "needs": ["slow"],
         "arguments": {"value": "${{ steps.slow.outputs.value }}+${{ steps.done.outputs.value }}"}},
    ]}


def run_of(server: RunningServer, token: str, run_id: str) -> dict:
    return json_of(server.request("GET", f"/workflows/runs/{run_id}", token=token))


def execution(server: RunningServer, token: str, execution_id: str) -> dict:
    return json_of(server.request("GET", f"/scripts/executions/{execution_id}", token=token))


def start_and_wait_for_slow(server: RunningServer, token: str, body: dict) -> tuple[str, dict]:
    """The run started; its record once the slow step's execution runs."""
    run_id = json_of(server.request("POST", "/workflows/runs", token=token, json=body))["run_id"]

    def slow_running() -> dict | None:
        run = run_of(server, token, run_id)
        ids = steps_of(run)["slow"]["execution_ids"]
        return run if ids and execution(server, token, ids[-1])["status"] == "Running" else None

    return run_id, wait_for(slow_running, 120, "the slow step's execution to run")


def wait_for_end(server: RunningServer, token: str, run_id: str, timeout_s: float = 240) -> dict:
    return wait_for(lambda: (run := run_of(server, token, run_id))["status"] not in ("Queued", "Running") and run,
                    timeout_s, f"workflow run {run_id} to end")


@contextmanager
def killed_in_the_slow_step(tmp_path: Path, slow: dict) -> Iterator[tuple[RunningServer, str, str, dict]]:
    """A server (SQLite) killed -9 while the run's slow step (with ``slow``'s
    settings) runs, and started again: (server, token, run id, the run before the kill)."""
    server = RunningServer(tmp_path / "server", settings=SETTINGS).start()
    try:
        token = server.token("alice")
        script = create_publisher(server, token)
        run_id, before = start_and_wait_for_slow(server, token, {"definition": definition(script, slow)})
        server.kill()
        server.start()
        yield server, token, run_id, before
    finally:
        server.stop()


def test_a_run_killed_with_its_server_is_resumed_by_the_next_start_and_follows_the_requeued_attempt(tmp_path, runtime_images):
    with killed_in_the_slow_step(tmp_path, {"retry_on_executor_loss": True}) as (server, token, run_id, before):
        done_execution = steps_of(before)["done"]["execution_ids"]
        # A late subscriber on the new server: the events replayed include the resumption.
        with requests.get(f"{server.url}/workflows/runs/{run_id}/events", headers={"Authorization": f"token {token}"},
                          stream=True, timeout=240) as response:
            assert response.status_code == 200, response.text
            events = [json.loads(line[6:]) for line in response.iter_lines(decode_unicode=True) if line.startswith("data: ")]
        assert {"type": "run", "status": "Running", "resumed": True} in events, events[:5]
        run = wait_for_end(server, token, run_id)
        assert run["status"] == "Succeeded", run
        assert run["started_at"] == before["started_at"] and run["reason"] is None
        steps = steps_of(run)
        # done ran once, before the kill; not again.
        assert steps["done"]["execution_ids"] == done_execution and steps["done"]["attempts"] == 1
        # slow's execution died with the server's executor and was queued again once: the same execution, followed.
        assert len(steps["slow"]["execution_ids"]) == 1 and steps["slow"]["attempts"] == 1, steps["slow"]
        slow = execution(server, token, steps["slow"]["execution_ids"][0])
        assert [a["outcome"] for a in slow["attempts"]] == ["executor_lost", "Succeeded"], slow["attempts"]
        assert steps["after"]["status"] == "Succeeded" and steps["after"]["outputs"] == {"value": "from-slow+first"}


def test_a_resumed_run_retries_the_lost_attempt_under_the_steps_retries(tmp_path, runtime_images):
    with killed_in_the_slow_step(tmp_path, {"retries": {"max": 1, "delay": "1s"}}) as (server, token, run_id, _before):
        run = wait_for_end(server, token, run_id)
        assert run["status"] == "Succeeded", run
        slow = steps_of(run)["slow"]
        assert slow["attempts"] == 2 and len(slow["execution_ids"]) == 2, slow
        lost, retried = (execution(server, token, execution_id) for execution_id in slow["execution_ids"])
        assert (lost["status"], lost["termination_reason"]) == ("Error", "executor_lost"), lost
        assert retried["status"] == "Succeeded" and retried["outputs"] == {"value": "from-slow"}
        assert steps_of(run)["after"]["outputs"] == {"value": "from-slow+first"}


def test_without_a_retry_the_lost_step_fails_the_resumed_run_and_its_dependants_are_skipped(tmp_path, runtime_images):
    with killed_in_the_slow_step(tmp_path, {}) as (server, token, run_id, _before):
        run = wait_for_end(server, token, run_id)
        steps = steps_of(run)
        assert (run["status"], steps["slow"]["status"], steps["after"]["status"]) == ("Failed", "Failed", "Skipped"), run
        assert "executor" in steps["slow"]["error"], steps["slow"]
        assert steps["done"]["status"] == "Succeeded"


def test_a_live_peer_on_postgresql_takes_over_the_runs_of_a_server_killed_mid_run(tmp_path, postgres, runtime_images):
    db_url = postgres.create_database(f"wf_{uuid.uuid4().hex[:10]}")
    doomed = RunningServer(tmp_path / "doomed", db_url=db_url, settings=SETTINGS).start()
    # The peer reads the secrets the first server wrote: the same key.
    peer = RunningServer(tmp_path / "peer", db_url=db_url,
                         settings={**SETTINGS, "secret_key_file": str(tmp_path / "doomed" / "secret.key")}).start()
    try:
        token = doomed.token("alice")
        script = create_publisher(doomed, token)
        body = {"definition": definition(script, {"retry_on_executor_loss": True})}
        run_id, _before = start_and_wait_for_slow(doomed, token, body)
        started = time.monotonic()
        doomed.kill()
        run = wait_for_end(peer, token, run_id)
        print(f"\ntaken over and finished {time.monotonic() - started:.1f}s after the kill")
        assert run["status"] == "Succeeded", run
        assert steps_of(run)["after"]["outputs"] == {"value": "from-slow+first"}
        assert "resuming workflow run " + run_id in peer.log_path.read_text()
    finally:
        doomed.stop()
        peer.stop()
