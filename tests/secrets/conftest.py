"""A real server of the secrets tests' own: its database file and log are read byte by byte."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.servers import RunningServer, json_of

# Only bash and python runs here: keep the other languages' pools empty.
POOLS = {name: {"min_containers": 1 if name in ("bash", "python") else 0}
         for name in ("python", "bash", "go", "java", "typescript", "csharp")}
PEOPLE = {
    "owner": dict(user="sec-owner", teams=("sec-red",)),
    "teammate": dict(user="sec-teammate", teams=("sec-red",)),
    "outsider": dict(user="sec-outsider", teams=("sec-green",)),
    "admin": dict(user="sec-admin", teams=(), admin=True),
}


@pytest.fixture(scope="session")
def secret_server(tmp_path_factory, runtime_images) -> Iterator[RunningServer]:
    server = RunningServer(tmp_path_factory.mktemp("server-secrets"), settings={"pool_sizes": POOLS}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_secret_server(tmp_path_factory, runtime_images, postgres) -> Iterator[RunningServer]:
    url = postgres.create_database(f"secrets_{uuid.uuid4().hex[:8]}")
    server = RunningServer(tmp_path_factory.mktemp("server-secrets-pg"), db_url=url, settings={"pool_sizes": POOLS}).start()
    yield server
    server.stop()


def tokens_for(server: RunningServer) -> dict[str, str | None]:
    made: dict[str, str | None] = {role: server.token(p["user"], teams=p["teams"], admin=p.get("admin", False))
                                   for role, p in PEOPLE.items()}
    made["anonymous"] = None
    return made


@pytest.fixture(scope="session")
def tokens(secret_server: RunningServer) -> dict[str, str | None]:
    return tokens_for(secret_server)


def unique_value(label: str) -> str:
    """A value that appears nowhere unless it leaked."""
    return f"{label}-{uuid.uuid4().hex}-Zq!"


def create_secret(server: RunningServer, token: str | None, name: str, value: str, **fields) -> dict:
    response = server.request("POST", "/secrets", token=token, json={"name": name, "value": value, **fields})
    assert response.status_code == 201, response.text
    return json_of(response)


def sse_text(server: RunningServer, token: str | None, execution_id: str) -> str:
    """The whole SSE stream of an execution, as sent."""
    headers = {"Authorization": f"token {token}"} if token else {}
    with requests.get(f"{server.url}/scripts/executions/{execution_id}/logs", headers=headers, stream=True, timeout=120) as response:
        assert response.status_code == 200, response.text
        return response.content.decode()


def stored_bytes(data_dir: Path) -> bytes:
    """Everything the server keeps on disk under its data directory but the key file and the runtime agent."""
    found = b""
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and not path.name.startswith("secret.key") and "agent" not in path.parts:
            found += path.read_bytes()
    return found


def record(server: RunningServer, token: str | None, execution_id: str) -> dict:
    return json_of(server.request("GET", f"/scripts/executions/{execution_id}", token=token))


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
