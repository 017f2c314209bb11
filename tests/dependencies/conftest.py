"""Fixtures for dependency tests: the real pip against PyPI, a real local
PEP 503 index, and clean-up of the derived images a test session built."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from docker.errors import APIError, NotFound

from jupyter_stellascript.dependencies import DependencySettings, DerivedImages
from jupyter_stellascript.dependencies.models import IMAGE_LABELS_ENV
from jupyter_stellascript.execution.engine import ExecutionEngine
from jupyter_stellascript.execution.container_engine import retried_listing
from tests.dependencies.index import LocalIndex
from tests.dependencies.runs import dependency_engine

PYPI = "https://pypi.org/simple"
PYTHON_IMAGE = "stella-runtime/python:latest"
BASH_IMAGE = "stella-runtime/bash:latest"

# Every derived image this session builds carries this label, whichever
# settings, engine or server (they inherit the environment) builds it; set
# before any test module makes its settings. Sessions running at once (other
# checkouts, xdist workers) each remove only their own, and the leftovers of
# sessions whose process is gone. (All share this host's one container store.)
SESSION_LABEL = "io.stellascript.test-session"
SESSION = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
os.environ[IMAGE_LABELS_ENV] = f"{SESSION_LABEL}={SESSION}"


def _session_images(docker_client) -> dict[str, str]:
    """Image id -> the session that built it, of every test-built derived
    image. The low-level listing, retried: Podman fails a filtered listing
    (500, "image not known") when another process removes an image meanwhile."""
    for attempt in range(5):
        try:
            return {image["Id"]: (image.get("Labels") or {}).get(SESSION_LABEL, "")
                    for image in retried_listing(lambda: docker_client.api.images(filters={"label": SESSION_LABEL}))}
        except APIError:
            if attempt == 4:
                raise
            time.sleep(1)
    return {}


def _ended(session: str) -> bool:
    """Whether the session's process is gone (its images are leftovers)."""
    pid = session.partition("-")[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


@pytest.fixture(scope="session")
def derived_cleanup(docker_client) -> Iterator[None]:
    """Remove, at the end, the derived images this session built (they are
    per-set, so every run of the tests would otherwise add some), and no
    other session's while it runs."""
    yield
    for image_id, session in _session_images(docker_client).items():
        if session != SESSION and not _ended(session):
            continue
        try:
            docker_client.api.remove_image(image_id, force=True)
        except (APIError, NotFound) as error:  # in use by a container still stopping, or gone: a later session's clean-up takes it
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
    with dependency_engine(docker_client, {"pypi": PYPI}) as engine:
        yield engine


@pytest.fixture(scope="session")
def index_engine(docker_client, runtime_images, derived_cleanup, local_index, tmp_path_factory) -> Iterator[ExecutionEngine]:
    with dependency_engine(docker_client, {"pypi": local_index.url},
                           cache_path=Path(tmp_path_factory.mktemp("cache"))) as engine:
        yield engine
