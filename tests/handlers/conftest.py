"""Servers for the REST API tests: one on SQLite, one on PostgreSQL."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import PostgresCluster, RunningServer


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
