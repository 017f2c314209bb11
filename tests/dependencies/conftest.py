"""Fixtures for dependency tests: the real pip against PyPI, a real local
PEP 503 index, and clean-up of the derived images a test session built."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from docker.errors import APIError, NotFound

from jupyter_stellascript.dependencies import DependencySettings, DerivedImages
from jupyter_stellascript.dependencies.derived import DERIVED_LABEL
from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine
from tests.dependencies.index import LocalIndex

PYPI = "https://pypi.org/simple"
PYTHON_IMAGE = "stella-runtime/python:latest"


def _derived_image_ids(docker_client) -> set[str]:
    """The low-level listing, retried: Podman fails a filtered listing (500,
    "image not known") when another process removes an image meanwhile."""
    for attempt in range(5):
        try:
            return {image["Id"] for image in docker_client.api.images(filters={"label": f"{DERIVED_LABEL}=true"})}
        except APIError:
            if attempt == 4:
                raise
            time.sleep(1)
    return set()


@pytest.fixture(scope="session")
def derived_cleanup(docker_client) -> Iterator[None]:
    """Remove, at the end, the derived images this session built (they are
    per-set, so every run of the tests would otherwise add some)."""
    before = _derived_image_ids(docker_client)
    yield
    for image_id in _derived_image_ids(docker_client) - before:
        try:
            docker_client.api.remove_image(image_id, force=True)
        except (APIError, NotFound) as error:  # in use by a container still stopping, or gone: the next session's clean-up takes it
            print(f"derived image {image_id[:19]} not removed: {error}")


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
