"""Nothing queued is lost: a server killed (-9) with 40 executions queued runs
all of them after it starts again, on SQLite (embedded) and on PostgreSQL;
priority decides the order, first come first served within one."""

from __future__ import annotations

import uuid

import pytest

from tests.queue.conftest import SETTINGS, create_script, record, submit, terminal
from tests.servers import RunningServer, json_of, wait_for

ECHO = 'echo "ran $(cat /scripts/args.json)"\n'


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path) -> str | None:
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres").create_database(f"q_{uuid.uuid4().hex[:10]}")


def test_kill_9_with_40_queued_runs_all_of_them_after_restart(tmp_path, database, runtime_images):
    # Local execution off: nothing claims them before the kill.
    queued_only = {**SETTINGS, "execute_locally": False, "placement_timeout": "1h"}
    server = RunningServer(tmp_path / "data", db_url=database, settings=queued_only).start()
    try:
        token = server.token("alice")
        script_id = create_script(server, token, "echo-q", ECHO)
        normal = [submit(server, token, script_id, arguments={"n": str(index)}) for index in range(35)]
        high = [submit(server, token, script_id, arguments={"n": f"h{index}"}, priority="high") for index in range(5)]
        cancelled = submit(server, token, script_id, arguments={"n": "cancelled"})
        response = server.request("POST", f"/scripts/executions/{cancelled}/cancel", token=token)
        assert response.status_code == 200 and json_of(response)["status"] == "Cancelled", response.text
        assert {record(server, token, execution_id)["status"] for execution_id in normal + high} == {"Queued"}

        server.kill()
        server.settings = {**SETTINGS, "max_concurrent": 1}  # one at a time: the order shows
        server.start()
        records = {execution_id: terminal(server, token, execution_id, 300) for execution_id in normal + high}
        for execution_id, done in records.items():
            assert done["status"] == "Succeeded", done
            assert len(done["attempts"]) == 1 and done["attempts"][0]["outcome"] == "Succeeded", done["attempts"]
        for index, execution_id in enumerate(normal):  # each ran its own arguments, once
            assert records[execution_id]["stdout"].startswith("ran ") and f'"{index}"' in records[execution_id]["stdout"]
        starts = sorted(records, key=lambda i: records[i]["started_at"])
        assert set(starts[:5]) == set(high), "high priority first"
        assert starts[5:] == normal, "first come, first served within a priority"
        assert record(server, token, cancelled)["status"] == "Cancelled"
        assert record(server, token, cancelled)["started_at"] is None
    finally:
        server.stop()


RETRIED = 'echo "attempt on $(hostname)"\nsleep 4\necho done\n'


def test_retry_on_executor_loss_the_request_then_the_workflow_step_then_the_script_decide(tmp_path, runtime_images):
    server = RunningServer(tmp_path / "data", settings={**SETTINGS, "max_concurrent": 4}).start()
    try:
        token = server.token("alice")
        created = server.request("POST", "/scripts", token=token, json={
            "name": "retried", "language": "bash", "content": RETRIED, "retry_on_executor_loss": True})
        assert created.status_code == 201 and json_of(created)["retry_on_executor_loss"] is True, created.text
        script = json_of(created)
        by_script = submit(server, token, script["id"])
        refused_by_request = submit(server, token, script["id"], retry_on_executor_loss=False)
        run = server.request("POST", "/workflows/runs", token=token, json={"definition": {"steps": [
            {"id": "once", "script": script["name"], "retry_on_executor_loss": False}]}})
        assert run.status_code == 202, run.text
        run_id = json_of(run)["run_id"]

        def step_execution() -> str | None:
            ids = json_of(server.request("GET", f"/workflows/runs/{run_id}", token=token))["steps"][0]["execution_ids"]
            return ids[0] if ids else None

        refused_by_step = wait_for(step_execution, 120, "the workflow step's execution")
        everything = (by_script, refused_by_request, refused_by_step)
        wait_for(lambda: all(record(server, token, e)["status"] == "Running" for e in everything), 120, "all three to run")
        server.kill()
        server.start()
        retried = terminal(server, token, by_script, 180)
        assert [a["outcome"] for a in retried["attempts"]] == ["executor_lost", "Succeeded"], retried["attempts"]
        for execution_id in (refused_by_request, refused_by_step):
            lost = terminal(server, token, execution_id, 60)
            assert (lost["status"], lost["termination_reason"]) == ("Error", "executor_lost"), lost
    finally:
        server.stop()
