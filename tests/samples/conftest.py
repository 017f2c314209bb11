"""Fixtures of the sample tests: one real server per session whose registry
holds the samples, and the user who clones and runs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.samples.http_target import HttpTarget, http_target
from tests.samples.library import SampleRunner
from tests.servers import RunningServer

POOLS = {name: {"min_containers": 1} for name in ("python", "bash", "go", "java", "typescript", "csharp")}


@pytest.fixture(scope="session")
def samples_server(tmp_path_factory, runtime_images) -> Iterator[RunningServer]:
    # Host networking: the targets the tests start listen on this machine's loopback.
    server = RunningServer(tmp_path_factory.mktemp("samples-server"),
                           settings={"pool_sizes": POOLS, "allow_host_network": True}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def samples(samples_server: RunningServer) -> SampleRunner:
    return SampleRunner(samples_server)


@pytest.fixture(scope="session")
def http_service(tmp_path_factory) -> Iterator[HttpTarget]:
    """The HTTP target (service, file server, closed port), started once a session."""
    with http_target(tmp_path_factory.mktemp("served-files")) as target:
        yield target
