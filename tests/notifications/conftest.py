"""A real server for the notification tests (short timeouts and backoff), and real loopback receivers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.servers import RunningServer, json_of

from .receiver import Receiver

POOLS = {name: {"min_containers": 2 if name == "bash" else 0}
         for name in ("python", "bash", "go", "java", "typescript", "csharp")}
SETTINGS = {"pool_sizes": POOLS, "notification_timeout": "2s", "notification_retries": 2, "notification_backoff": "0.2s"}


@pytest.fixture(scope="session")
def notify_server(tmp_path_factory, runtime_images) -> Iterator[RunningServer]:
    server = RunningServer(tmp_path_factory.mktemp("server-notifications"), settings=SETTINGS).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def notify_owner(notify_server) -> str:
    return notify_server.token("notify-owner")


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


# A script that exits with its "code" argument (0 by default).
EXITING = ("# /// stellascript\n# [parameters.code]\n# type = \"integer\"\n# default = 0\n# ///\n"
           "echo \"exiting with $(jq -r .code /scripts/args.json)\"\nexit \"$(jq -r .code /scripts/args.json)\"\n")


def script(server: RunningServer, token: str, content: str = EXITING, name: str | None = None) -> dict:
    response = server.request("POST", "/scripts", token, json={
        "name": name or f"notify-{uuid.uuid4().hex[:8]}", "language": "bash", "content": content})
    assert response.status_code == 201, response.text
    return response.json()


def notify(server: RunningServer, token: str, kind: str, source_id: str, *rules: dict) -> None:
    response = server.request("PUT", f"/{kind}/{source_id}/notifications", token, json={"notifications": list(rules)})
    assert response.status_code == 200, response.text


def run(server: RunningServer, token: str, script_id: str, code: int = 0) -> dict:
    return json_of(server.request("POST", f"/scripts/{script_id}/execute?wait=true", token,
                                  json={"arguments": {"code": str(code)}}))


def deliveries(server: RunningServer, token: str, **query) -> list[dict]:
    return json_of(server.request("GET", "/notifications/deliveries", token, params={"limit": 500, **query}))["items"]


def wait_for(condition: Callable[[], object], timeout_s: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
