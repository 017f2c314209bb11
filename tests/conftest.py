"""Shared fixtures: a real container engine, real runtime images, no mocks."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests keep their data (compile cache, agent build) apart from a developer's.
os.environ.setdefault("STELLASCRIPT_DATA", tempfile.mkdtemp(prefix="stellascript-test-data-"))

from jupyter_stellascript.execution.container_engine import connect  # noqa: E402
from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine  # noqa: E402
from jupyter_stellascript.execution.images import RuntimeImageBuilder  # noqa: E402
from jupyter_stellascript.languages import LANGUAGES  # noqa: E402
from tests.servers import PostgresCluster, RunningServer  # noqa: E402


@pytest.fixture(scope="session")
def docker_client():
    return connect()


@pytest.fixture(scope="session")
def runtime_images(docker_client) -> None:
    """Make sure every runtime image exists (a no-op when they are current)."""
    RuntimeImageBuilder(docker_client).build(list(LANGUAGES))


@pytest.fixture(scope="session")
def engine(docker_client, runtime_images) -> Iterator[ExecutionEngine]:
    """One engine with a warm pool for every language, shared by the session."""
    settings = EngineSettings(allow_host_network=True, output_cap_bytes=64 * 1024)
    with ExecutionEngine(settings, client=docker_client) as shared:
        shared.warm_up(list(LANGUAGES.values()))
        yield shared


@pytest.fixture()
def fresh_cache_engine(docker_client, runtime_images, tmp_path: Path) -> Iterator[ExecutionEngine]:
    """An engine with an empty compile cache and no warm pool."""
    settings = EngineSettings(pool_enabled=False, cache_path=tmp_path / "compile-cache", allow_host_network=True)
    with ExecutionEngine(settings, client=docker_client) as cold:
        yield cold


# -- real servers: one on SQLite, one on PostgreSQL ------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    # Under /tmp itself: pytest's folders are private to root, and PostgreSQL
    # runs as the postgres user.
    root = Path(tempfile.mkdtemp(prefix="stellascript-pg-"))
    cluster = PostgresCluster(root).start()
    yield cluster
    cluster.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory, runtime_images) -> Iterator[RunningServer]:
    server = RunningServer(tmp_path_factory.mktemp("server-sqlite")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory, runtime_images, postgres) -> Iterator[RunningServer]:
    server = RunningServer(tmp_path_factory.mktemp("server-postgres"), db_url=postgres.url).start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def server(request) -> RunningServer:
    """Each test using this runs once per database."""
    return request.getfixturevalue(f"{request.param}_server")
