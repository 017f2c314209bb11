"""What every ecosystem's resolver provides, and the container it resolves in.

A resolver module (``dependencies/python.py``...) defines one
:class:`Resolver` and registers it in ``dependencies/__init__.py``, as
languages do. It knows three things: how a script declares dependencies
(inline, in the ecosystem's own convention, and on its registry record), how
to resolve a set into a :class:`Lock` with the real package manager, and how
to install a lock into a derived image (a Dockerfile and its files).

Resolution runs the package manager in a short-lived container of the
language's runtime image, hardened as a script's container is (the one
``execution.sandbox.hardened_container``), within a time bound, and with
network access: the host's, or, for a resolver that passes ``egress`` to
``run_tool`` (every ecosystem's, unless c.StellaScript.dependency_network is
"host"), network none with the configured registries as the only way out
(``egress.py``).

What every resolver does alike is here, so that its module is about its
ecosystem only: the record's runtime-scope entries (``runtime_dependencies``),
one merge of versions that names a conflict (``merge_versions``), the
scratch folder, the progress line, the CA bundle's plumbing, web API calls
and the common errors.
"""

from __future__ import annotations

import contextlib
import resource
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
import requests
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from docker.types import Mount

from ..execution.container_engine import host_bounded_limit
from ..execution.sandbox import SCRIPT_USER, hardened_container
from .egress import FORWARD_IN_CONTAINER, FORWARD_SCRIPT, PROXY_ENVIRONMENT, egress as egress_proxy
from .models import DependenciesCancelled, DependencyError, DependencySettings, Lock

Progress = Callable[[str], None]

TOOL_LABEL = "io.stellascript.dependency-tool"
# The tool runs as the scripts' unprivileged user: the work folder it writes
# is made writable for it, and nothing of the image's is.
TOOL_USER = SCRIPT_USER
# Package managers need more than a script's defaults: a JVM for Maven,
# archives unpacked in /tmp, many parallel downloads.
TOOL_MEMORY = 1024 * 1024 * 1024
TOOL_PIDS = 512
TOOL_TMPFS = 1024 * 1024 * 1024
# The egress relay: one small Python process relaying sockets.
RELAY_MEMORY = 64 * 1024 * 1024
RELAY_PIDS = 64
RELAY_START_TIMEOUT_S = 30.0
CA_IN_CONTAINER = "/etc/stellascript/ca-bundle.crt"
# Where a derived image's build files (the build/ folder of its context) are while it is built.
BUILD_DIR = "/opt/stellascript/build"
CA_IN_BUILD = f"{BUILD_DIR}/ca-bundle.crt"
# Where a requirement came from, in error messages: the registry record's list.
DECLARED = "the script's declared dependencies"


@dataclass
class ResolveContext:
    """Everything one resolution needs."""

    client: docker.DockerClient
    base_image: str  # the language's runtime image (name or id)
    settings: DependencySettings
    progress: Progress = field(default=lambda line: None)
    cancelled: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class BuildFiles:
    """A derived image's definition: its Dockerfile and the files beside it."""

    dockerfile: str
    files: dict[str, bytes | Path]  # name in the build context -> content or a host file/folder


class Resolver:
    language: str = ""
    ecosystem: str = ""  # the key of its source in DependencySettings.sources
    manager: str = ""  # the package manager, for messages

    def requirements(self, source: str, declared: list[dict]) -> tuple[str, ...]:
        """The normalized set the script asks for (inline and declared, merged).

        Raises DependencyError for malformed input or conflicting versions."""
        raise NotImplementedError

    def resolve(self, requirements: tuple[str, ...], context: ResolveContext) -> Lock:
        """Resolve with the real package manager; raises DependencyError."""
        raise NotImplementedError

    def build_files(self, lock: Lock, base_image: str, settings: DependencySettings) -> BuildFiles:
        """How to install exactly ``lock`` on top of ``base_image``."""
        raise NotImplementedError

    def search(self, query: str, settings: DependencySettings) -> list[dict]:
        raise DependencyError(f"dependency search is not supported for {self.language}", kind="unsupported")

    def announce(self, context: ResolveContext, what: str, wanted: Iterable[str], source: str, tool: str = "") -> None:
        """The progress line every resolution starts with ("resolving 2 npm
        package(s) with npm from <source>: a, b")."""
        wanted = list(wanted)
        context.progress(f"resolving {len(wanted)} {what} with {tool or self.manager} from {source}: {', '.join(wanted)}")


# -- what a script's registry record declares ------------------------------------------

@dataclass(frozen=True)
class Declared:
    """One entry of a registry record's dependency list, to be installed."""

    index: int  # its place in the list, for messages
    name: str
    version: str  # "" when none is given

    @property
    def origin(self) -> str:
        return f"{DECLARED} [{self.index}]"


def runtime_dependencies(declared: list[dict] | None) -> list[Declared]:
    """The record's entries that are installed: those of scope "runtime"
    (the default) that name a package; names and versions stripped."""
    return [
        Declared(index, str(dependency["name"]).strip(), str(dependency.get("version") or "").strip())
        for index, dependency in enumerate(declared or [])
        if isinstance(dependency, dict) and dependency.get("scope", "runtime") == "runtime" and dependency.get("name")
    ]


@dataclass(frozen=True)
class Wanted:
    """One package asked for: at a version ("" for any) and where it was asked."""

    name: str
    version: str
    origin: str


def merge_versions(wanted: Iterable[Wanted], *, key: Callable[[str], str] = str, noun: str = "package") -> list[Wanted]:
    """One entry per package (``key`` of its name; the first spelling is
    kept), in order of first appearance. A version given once is kept over
    "any"; two different versions are an error naming the package and
    where each was asked. (Python merges PEP 508 specifiers instead, in
    ``python.merge``: there two different specifiers may well agree.)"""
    merged: dict[str, Wanted] = {}
    for item in wanted:
        first = merged.get(key(item.name))
        if first is None:
            merged[key(item.name)] = item
        elif first.version and item.version and first.version != item.version:
            raise DependencyError(f"conflicting versions of {noun} {first.name!r}: {first.version} ({first.origin}) "
                                  f"and {item.version} ({item.origin})", kind="conflict", package=first.name)
        elif item.version and not first.version:
            merged[key(item.name)] = Wanted(first.name, item.version, item.origin)
    return list(merged.values())


@dataclass
class ToolRun:
    exit_code: int
    output: str
    denied: list[str] = field(default_factory=list)  # hosts the tool asked for that are not allowed (egress only)


def run_tool(
    context: ResolveContext,
    argv: list[str],
    *,
    environment: dict[str, str] | None = None,
    mounts: list[Mount] | None = None,
    workdir: Path,
    what: str,
    source: str,
    egress: set[tuple[str, int]] | None = None,
) -> ToolRun:
    """Run a package manager in a container of the runtime image, with
    ``workdir`` mounted read-write at /out, and the CA bundle at
    CA_IN_CONTAINER; stream its lines to progress. Bounded by the settings'
    timeout; cancellable. The host's network, or with ``egress`` (host, port)
    pairs, network none and an HTTP(S) proxy reaching only those (through a
    relay container whose network namespace the tool's shares, egress.py)."""
    if egress is None:
        return _run_tool(context, argv, environment, mounts, workdir, what, source, "host")
    with egress_proxy(workdir, egress) as proxy, _relay(context, workdir, what, source) as relay_id:
        run = _run_tool(context, argv, {**(environment or {}), **PROXY_ENVIRONMENT}, mounts, workdir, what, source,
                        f"container:{relay_id}")
    run.denied = list(proxy.denied)
    return run


@contextlib.contextmanager
def _relay(context: ResolveContext, workdir: Path, what: str, source: str) -> Iterator[str]:
    """A started egress relay container (network none) whose 127.0.0.1:3128
    leads to the host-side proxy; its id. Removed afterwards."""
    image = context.settings.relay_image
    options = tool_container_options(
        image, context.settings, ["python3", FORWARD_IN_CONTAINER],
        environment=None, mounts=[Mount(FORWARD_IN_CONTAINER, str(FORWARD_SCRIPT), type="bind", read_only=True)],
        workdir=workdir, what=f"egress relay of {what}", network_mode="none")
    options.update(mem_limit=RELAY_MEMORY, memswap_limit=RELAY_MEMORY, pids_limit=RELAY_PIDS)
    container = None
    try:
        try:
            container = context.client.containers.create(**options)
            container.start()
            deadline = time.monotonic() + RELAY_START_TIMEOUT_S
            while b"ready" not in container.logs(stdout=True, stderr=False):
                container.reload()
                if container.status not in ("created", "running") or time.monotonic() > deadline:
                    logs = container.logs().decode(errors="replace").strip()[-500:]
                    raise DependencyError(f"the egress relay for {what} did not start in {image}: "
                                          f"{logs or container.status}", source=source)
                time.sleep(0.05)
        except ImageNotFound as error:
            raise DependencyError(f"resolving with network 'registries' needs the egress relay's image {image} "
                                  "(the Python runtime image: stellascript runtimes build python), or set "
                                  "c.StellaScript.dependency_network = 'host'", source=source) from error
        except (APIError, DockerException) as error:
            raise DependencyError(f"the egress relay for {what} could not run in {image}: {error}", source=source) from error
        yield container.id
    finally:
        if container is not None:
            with contextlib.suppress(NotFound, APIError):
                container.remove(force=True, v=True)


def _run_tool(context: ResolveContext, argv: list[str], environment: dict[str, str] | None, mounts: list[Mount] | None,
              workdir: Path, what: str, source: str, network_mode: str) -> ToolRun:
    settings = context.settings
    workdir.chmod(0o777)  # the tool runs as the unprivileged user
    client = context.client
    container = None
    lines: list[str] = []
    try:
        container = client.containers.create(**tool_container_options(
            context.base_image, settings, argv, environment=environment, mounts=mounts, workdir=workdir, what=what,
            network_mode=network_mode))
        container.start()
        reader = threading.Thread(target=_read_lines, args=(container, lines, context.progress), daemon=True)
        reader.start()
        deadline = time.monotonic() + settings.timeout_s
        while True:
            if context.cancelled.is_set():
                _kill(container)
                raise DependenciesCancelled()
            if time.monotonic() > deadline:
                _kill(container)
                raise DependencyError(
                    f"{what} did not finish within {settings.timeout_s:g}s (source {source}); "
                    "raise the time bound with c.StellaScript.dependency_timeout or STELLASCRIPT_DEPENDENCY_TIMEOUT",
                    kind="timeout", source=source)
            try:
                status = container.wait(timeout=0.5)
                break
            except requests.exceptions.RequestException:  # the wait timed out: look again
                continue
        reader.join(timeout=10)
        return ToolRun(int(status.get("StatusCode", 1)), "".join(lines))
    except (APIError, DockerException) as error:
        raise DependencyError(f"{what} could not run in {context.base_image}: {error}", source=source) from error
    finally:
        if container is not None:
            try:
                container.remove(force=True, v=True)
            except (NotFound, APIError):
                pass


def tool_container_options(image: str, settings: DependencySettings, argv: list[str], *,
                           environment: dict[str, str] | None, mounts: list[Mount] | None, workdir: Path,
                           what: str, network_mode: str = "host") -> dict:
    """``client.containers.create`` keyword arguments of a package manager's
    container: the sandbox's hardening (``execution.sandbox.hardened_container``),
    with what resolving needs instead of a script's limits and network."""
    all_mounts = list(mounts or [])
    all_mounts.append(Mount("/out", str(workdir), type="bind", read_only=False))
    if settings.ca_file:
        all_mounts.append(Mount(CA_IN_CONTAINER, str(settings.ca_file.resolve()), type="bind", read_only=True))
    return hardened_container(
        image=image,
        entrypoint=[],
        command=argv,
        user=TOOL_USER,
        working_dir="/out",
        environment={"HOME": "/tmp", **(environment or {})},
        labels={TOOL_LABEL: what},
        # The host's network (registries, and the proxies the host reaches them
        # through), or none when the registries are reached through the egress proxy.
        network_mode=network_mode,
        memory_bytes=TOOL_MEMORY,
        pids=TOOL_PIDS,
        open_files=host_bounded_limit(resource.RLIMIT_NOFILE, 4096),
        tmpfs_bytes=TOOL_TMPFS,
        mounts=all_mounts,
    )


def _read_lines(container, lines: list[str], progress: Progress) -> None:
    pending = b""
    try:
        for chunk in container.logs(stream=True, follow=True, stdout=True, stderr=True):
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                text = line.decode(errors="replace")
                lines.append(text + "\n")
                if text.strip():
                    progress(text.rstrip())
    except (APIError, DockerException, OSError):
        pass
    if pending:
        lines.append(pending.decode(errors="replace"))


def _kill(container) -> None:
    try:
        container.kill()
    except (NotFound, APIError):
        pass


def line_with(output: str, needle: str) -> str:
    """The package manager's first output line naming ``needle`` (for an
    error message), or the needle itself when no line does."""
    for line in output.splitlines():
        if needle in line:
            return line.strip()[:400]
    return needle


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A host folder for one resolution's files (mounted at /out), removed after."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def output_tail(output: str, lines: int = 15) -> str:
    """The last lines of a package manager's output, for an error it gave no recognizable reason for."""
    return "\n".join(output.strip().splitlines()[-lines:])


def unknown_package(name: str | None, source: str, detail: str = "") -> DependencyError:
    return DependencyError(f"package {name!r} was not found at {source}{detail}", kind="unknown_package",
                           package=name, source=source)


def build_ca_files(settings: DependencySettings) -> dict[str, bytes | Path]:
    """The CA bundle in a derived image's build context (at CA_IN_BUILD), when there is one."""
    return {"build/ca-bundle.crt": settings.ca_file} if settings.ca_file else {}


def http_get(url: str, settings: DependencySettings, *, registry: str, source: str, package: str | None = None,
             timeout: float = 30, **options) -> requests.Response:
    """A GET to a registry's web API, trusting the CA bundle; a failure to
    reach it is an 'unreachable' error naming the ``registry`` ("the npm
    registry") and ``source``."""
    try:
        return requests.get(url, timeout=timeout, verify=settings.tls_verify, **options)
    except requests.RequestException as error:
        raise DependencyError(f"{registry} {source} could not be reached: {error}",
                              kind="unreachable", package=package, source=source) from None
