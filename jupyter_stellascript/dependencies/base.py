"""What every ecosystem's resolver provides, and the container it resolves in.

A resolver module (``dependencies/python.py``...) defines one
:class:`Resolver` and registers it in ``dependencies/__init__.py``, as
languages do. It knows three things: how a script declares dependencies
(inline, in the ecosystem's own convention, and on its registry record), how
to resolve a set into a :class:`Lock` with the real package manager, and how
to install a lock into a derived image (a Dockerfile and its files).

Resolution runs the package manager in a short-lived container of the
language's runtime image, with network access (the host's: registries and
proxies the host reaches), hardened otherwise, and within a time bound.
"""

from __future__ import annotations

import resource
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docker
import requests
from docker.errors import APIError, DockerException, NotFound
from docker.types import Mount, Ulimit

from ..execution.container_engine import host_bounded_limit
from .models import DependenciesCancelled, DependencyError, DependencySettings, Lock

Progress = Callable[[str], None]

TOOL_LABEL = "io.stellascript.dependency-tool"
TOOL_USER = "10001:10001"
TOOL_MEMORY = 1024 * 1024 * 1024
CA_IN_CONTAINER = "/etc/stellascript/ca-bundle.crt"
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


@dataclass
class ToolRun:
    exit_code: int
    output: str


def run_tool(
    context: ResolveContext,
    argv: list[str],
    *,
    environment: dict[str, str] | None = None,
    mounts: list[Mount] | None = None,
    workdir: Path,
    what: str,
    source: str,
) -> ToolRun:
    """Run a package manager in a container of the runtime image, with the
    host's network, ``workdir`` mounted read-write at /out, and the CA bundle
    at CA_IN_CONTAINER; stream its lines to progress. Bounded by the settings'
    timeout; cancellable."""
    settings = context.settings
    all_mounts = list(mounts or [])
    all_mounts.append(Mount("/out", str(workdir), type="bind", read_only=False))
    ca_bundle = Path(settings.ca_bundle)
    if ca_bundle.is_file():
        all_mounts.append(Mount(CA_IN_CONTAINER, str(ca_bundle.resolve()), type="bind", read_only=True))
    workdir.chmod(0o777)  # the tool runs as the unprivileged user
    nofile = host_bounded_limit(resource.RLIMIT_NOFILE, 4096)
    nproc = host_bounded_limit(resource.RLIMIT_NPROC, 4096)
    client = context.client
    container = None
    lines: list[str] = []
    try:
        container = client.containers.create(
            image=context.base_image,
            command=argv,
            entrypoint=[],
            user=TOOL_USER,
            working_dir="/out",
            environment={"HOME": "/tmp", **(environment or {})},
            labels={TOOL_LABEL: what},
            network_mode="host",
            read_only=True,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mem_limit=TOOL_MEMORY,
            memswap_limit=TOOL_MEMORY,
            pids_limit=512,
            ulimits=[Ulimit(name="nofile", soft=nofile, hard=nofile), Ulimit(name="nproc", soft=nproc, hard=nproc)],
            tmpfs={"/tmp": "rw,nosuid,nodev,size=1073741824,mode=1777"},
            mounts=all_mounts,
        )
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


def scratch_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove_scratch(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
