"""Fixtures for dependency tests: the real pip against PyPI, a real local
PEP 503 index, and clean-up of the derived images a test session built."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_stellascript.dependencies import DependencySettings, DerivedImages
from jupyter_stellascript.dependencies.derived import DERIVED_LABEL
from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine
from tests.dependencies.index import LocalIndex

PYPI = "https://pypi.org/simple"
PYTHON_IMAGE = "stella-runtime/python:latest"


@pytest.fixture(scope="session")
def derived_cleanup(docker_client) -> Iterator[None]:
    """Remove, at the end, the derived images this session built (they are
    per-set, so every run of the tests would otherwise add some)."""
    before = {image.id for image in docker_client.images.list(filters={"label": f"{DERIVED_LABEL}=true"})}
    yield
    for image in docker_client.images.list(filters={"label": f"{DERIVED_LABEL}=true"}):
        if image.id not in before:
            try:
                docker_client.api.remove_image(image.id, force=True)
            except Exception:  # in use by a container still stopping: the next session's clean-up takes it
                pass


@pytest.fixture(scope="session")
def local_index(tmp_path_factory) -> Iterator[LocalIndex]:
    index = LocalIndex(tmp_path_factory.mktemp("pep503-index"))
    yield index
    index.close()


@pytest.fixture()
def pypi_images(docker_client, runtime_images, derived_cleanup) -> DerivedImages:
    return DerivedImages(docker_client, DependencySettings(sources={"pypi": PYPI}, timeout_s=300))


@pytest.fixture()
def index_images(docker_client, runtime_images, derived_cleanup, local_index) -> DerivedImages:
    return DerivedImages(docker_client, DependencySettings(sources={"pypi": local_index.url}, timeout_s=300))


@pytest.fixture(scope="session")
def pypi_engine(docker_client, runtime_images, derived_cleanup) -> Iterator[ExecutionEngine]:
    """No warm pool: each test says what it expects of pooling itself."""
    settings = EngineSettings(pool_enabled=False, dependencies=DependencySettings(sources={"pypi": PYPI}, timeout_s=300))
    with ExecutionEngine(settings, client=docker_client) as engine:
        yield engine


@pytest.fixture(scope="session")
def index_engine(docker_client, runtime_images, derived_cleanup, local_index, tmp_path_factory) -> Iterator[ExecutionEngine]:
    settings = EngineSettings(pool_enabled=False, cache_path=Path(tmp_path_factory.mktemp("cache")),
                              dependencies=DependencySettings(sources={"pypi": local_index.url}, timeout_s=300))
    with ExecutionEngine(settings, client=docker_client) as engine:
        yield engine
