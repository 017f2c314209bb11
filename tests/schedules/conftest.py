"""Real servers for the schedule tests: stellascript serve on SQLite, and two on one PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.servers import RunningServer, json_of

POOLS = {name: {"min_containers": 2 if name == "bash" else 0}
         for name in ("python", "bash", "go", "java", "typescript", "csharp")}
SETTINGS = {"pool_sizes": POOLS, "schedule_misfire_grace": "1s"}


@pytest.fixture(scope="session")
def sched_server(tmp_path_factory, runtime_images) -> Iterator[RunningServer]:
    server = RunningServer(tmp_path_factory.mktemp("server-schedules"), settings=SETTINGS).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def owner_token(sched_server) -> str:
    return sched_server.token("sched-owner", teams=("sched-team",))


def wait_for(condition: Callable[[], object], timeout_s: float = 30, interval_s: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def bash_script(server: RunningServer, token: str, content: str = "echo tick\n", visibility: str = "private") -> dict:
    response = server.request("POST", "/scripts", token, json={
        "name": f"sched-{uuid.uuid4().hex[:8]}", "language": "bash", "content": content, "visibility": visibility})
    assert response.status_code == 201, response.text
    return response.json()


def create_schedule(server: RunningServer, token: str, **body) -> dict:
    response = server.request("POST", "/schedules", token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def fires(server: RunningServer, token: str, schedule_id: str) -> list[dict]:
    return json_of(server.request("GET", f"/schedules/{schedule_id}/runs?limit=500", token))["items"]


def executions_of(server: RunningServer, token: str, schedule_id: str) -> list[dict]:
    items = json_of(server.request("GET", "/scripts/executions?trigger=schedule&limit=500", token))["items"]
    return [item for item in items if item["trigger_id"] == schedule_id]
