"""c.StellaScript.backend_class chooses what runs executions."""

from __future__ import annotations

import json

import pytest

from tests.servers import RunningServer, json_of

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def describing_server(tmp_path_factory):
    server = RunningServer(tmp_path_factory.mktemp("backend-class"), settings={
        "backend_class": "tests.handlers.backends.DescribingBackend",
        "default_timeouts": {"bash": "7s"}, "max_memory": "512m",
    }).start()
    yield server
    server.stop()


def test_the_configured_backend_runs_executions_with_the_policy_applied(describing_server):
    server = describing_server
    token = server.token("backend-user")
    health = json_of(server.request("GET", "/health"))
    assert (health["backend"], health["engine"], health["status"]) == ("DescribingBackend", "ready", "ok")

    created = server.request("POST", "/scripts", token=token, json={"name": "b", "language": "bash", "content": "echo hi\n"})
    assert created.status_code == 201, created.text  # its syntax check ran on this backend too
    script = json_of(created)
    record = json_of(server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=token,
                                    json={"arguments": {"who": "me"}, "memory": "256m"}))
    assert record["status"] == "Succeeded", record
    ran = json.loads(record["stdout"])
    assert ran == {"backend": "DescribingBackend", "language": "bash", "entry_point": "script.sh", "arguments": {"who": "me"},
                   "timeout_s": 7.0, "network_mode": "none", "memory_bytes": 256 * MIB, "check_only": False}
    assert (record["timeout"], record["limits"]["memory_bytes"]) == (7.0, 256 * MIB)

    too_much = server.request("POST", f"/scripts/{script['id']}/execute", token=token, json={"memory": "1g"})
    assert too_much.status_code == 400, too_much.text
    assert [error["field"] for error in json_of(too_much)["errors"]] == ["memory"]
    assert "max_memory" in json_of(too_much)["errors"][0]["message"]
    too_big_a_disk = server.request("POST", f"/scripts/{script['id']}/execute", token=token,
                                    json={"memory": "256m", "disk": "200m"})
    assert too_big_a_disk.status_code == 400, too_big_a_disk.text
    assert [error["field"] for error in json_of(too_big_a_disk)["errors"]] == ["disk"]


def test_a_backend_class_that_is_not_a_backend_stops_start_up(tmp_path):
    server = RunningServer(tmp_path / "data", settings={"backend_class": "jupyter_stellascript.execution.engine.ExecutionEngine"})
    with pytest.raises(RuntimeError) as failure:
        server.start(timeout_s=60)
    assert "backend_class" in str(failure.value)
