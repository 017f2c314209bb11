"""Shared fixtures: a real container engine, real runtime images, no mocks."""

from __future__ import annotations

import os
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
