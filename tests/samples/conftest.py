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
    # NuGet: nuget.org is not reachable from these machines; an empty local folder feed
    # answers at once (the C# samples that run here need no package).
    data = tmp_path_factory.mktemp("samples-server")
    feed = data / "nuget-feed"
    feed.mkdir()
    server = RunningServer(data, settings={"pool_sizes": POOLS, "allow_host_network": True,
                                           "nuget_source": str(feed)}).start()
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
