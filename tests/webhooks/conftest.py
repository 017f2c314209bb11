"""A real server of the webhook tests' own (SQLite: its database file is read byte by byte)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import RunningServer

POOLS = {name: {"min_containers": 1 if name == "bash" else 0}
         for name in ("python", "bash", "go", "java", "typescript", "csharp")}


@pytest.fixture(scope="session")
def hook_server(tmp_path_factory, runtime_images) -> Iterator[RunningServer]:
    server = RunningServer(tmp_path_factory.mktemp("server-webhooks"), settings={"pool_sizes": POOLS}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def hook_owner(hook_server) -> str:
    return hook_server.token("hook-owner")
