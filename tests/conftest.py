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
# No garbage collection in the servers tests start, unless a test asks: a
# server's collection is not restricted to a test's images, and the image
# store is shared with other sessions.
os.environ.setdefault("STELLASCRIPT_GC_INTERVAL", "off")

from jupyter_stellascript.execution.container_engine import connect  # noqa: E402
from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine  # noqa: E402
from jupyter_stellascript.execution.images import RuntimeImageBuilder  # noqa: E402
from jupyter_stellascript.languages import LANGUAGES  # noqa: E402
from tests.servers import PostgresCluster, RunningServer  # noqa: E402


# -- parallel groups (pytest-xdist) ----------------------------------------------------
#
# Tests that share expensive session fixtures or global state (a JupyterLab
# with language servers, a browser, the dependency images whose tests count
# what is left behind) run in one worker, so each fixture starts once and no
# test sees another's images; independent groups run side by side. A group is
# a test folder, except the folders named in PER_MODULE, whose modules are
# groups of their own; a module at the top of tests/ is a group too.

PER_MODULE = {"handlers", "execution", "samples"}
# tests/dependencies: each language's module is a group (its builds are told
# apart by their labels); the Python ones, which share a local index and count
# the Python builds left behind, stay together.
DEPENDENCY_LANGUAGE_MODULES = {f"test_{name}.py" for name in ("bash", "csharp", "go", "java", "typescript")}


def xdist_group_of(nodeid: str) -> str:
    parts = nodeid.split("::", 1)[0].split("/")[1:]  # without the leading "tests"
    if parts[:1] == ["dependencies"] and parts[-1] in DEPENDENCY_LANGUAGE_MODULES:
        return "/".join(parts)
    if len(parts) > 1 and parts[0] not in PER_MODULE:
        return parts[0]
    return "/".join(parts)


# Groups that take the longest, started first so that they do not form the
# run's tail (measured: the summary below prints each group's test time).
LONGEST_GROUPS_FIRST = ("queue", "jupyterhub", "labextension", "workflows", "dependencies/test_python.py")


def _group_rank(nodeid: str) -> int:
    group = xdist_group_of(nodeid)
    return LONGEST_GROUPS_FIRST.index(group) if group in LONGEST_GROUPS_FIRST else len(LONGEST_GROUPS_FIRST)


def pytest_collection_modifyitems(config, items) -> None:
    # A stable sort: within a group, tests keep their order.
    items.sort(key=lambda item: _group_rank(item.nodeid))


class GroupTimes:
    """Adds up each group's test time on the controller and prints the longest
    groups: the figures LONGEST_GROUPS_FIRST is chosen from."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report) -> None:
        group = xdist_group_of(report.nodeid)
        self.seconds[group] = self.seconds.get(group, 0.0) + report.duration

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.seconds:
            return
        terminalreporter.section("test time per group (the longest first)")
        for group, total in sorted(self.seconds.items(), key=lambda item: -item[1])[:20]:
            terminalreporter.write_line(f"{total:8.1f}s  {group}")


def pytest_configure(config) -> None:
    # The scheduler takes groups in the order collected (LONGEST_GROUPS_FIRST), not by their count of tests.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        config.pluginmanager.register(GroupTimes(), "stellascript-group-times")


def pytest_xdist_make_scheduler(config, log):
    # pytest-xdist's own loadgroup reads groups from node ids it rewrites,
    # which pytest 9 no longer lets it do; a scope scheduler keyed by our
    # groups does the same.
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group_of(nodeid)

    return GroupScheduling(config, log)


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
