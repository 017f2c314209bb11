"""Finding (or starting) the container engine that runs scripts.

Everything goes through the Docker Engine API with the ``docker`` SDK, so a
real Docker Engine and Podman's Docker-compatible service are interchangeable.
The order of preference is: an explicit URL, ``DOCKER_HOST``, a Docker socket
that answers, and finally a Podman API service that we start ourselves when
Podman is installed (the case on machines without a Docker daemon).
"""

from __future__ import annotations

import fcntl
import logging
import os
import resource
import shutil
import subprocess
import time
from pathlib import Path

import docker
from docker.errors import APIError, DockerException

log = logging.getLogger(__name__)

DOCKER_SOCKET = "/var/run/docker.sock"
PODMAN_START_TIMEOUT_S = 20.0
LISTING_ATTEMPTS = 5


class EngineUnavailable(RuntimeError):
    """No container engine could be reached or started."""


def retried_listing(call):
    """Podman fails a listing (500, "image not known") when another process
    removes an image meanwhile: asking again answers."""
    for attempt in range(LISTING_ATTEMPTS - 1):
        try:
            return call()
        except APIError as error:
            if not error.is_server_error():
                raise
            time.sleep(0.5 * (attempt + 1))
    return call()


def _ping(base_url: str) -> docker.DockerClient | None:
    try:
        client = docker.DockerClient(base_url=base_url, timeout=120)
        client.ping()
        return client
    except (DockerException, OSError) as error:
        log.debug("no container engine at %s: %s", base_url, error)
        return None


def podman_runtime_dir() -> Path:
    """One Podman service per host user, whatever data directory is in use:
    the service fronts the host's one container store anyway."""
    if os.geteuid() == 0:
        return Path("/run/stellascript")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return Path(runtime) / "stellascript" if runtime else Path(f"/tmp/stellascript-{os.geteuid()}")


def podman_socket_path() -> Path:
    return podman_runtime_dir() / "podman.sock"


def podman_containers_conf() -> Path:
    """Write a containers.conf that Podman can actually use on this host.

    Podman's default nofile/nproc ulimits can exceed the host's hard limits
    (container start then fails with "error setting rlimit"), and crun does
    not support cgroup v1/v2 hybrid hosts; runc does. The file is generated
    from the running host's limits rather than hard-coded.
    """
    nofile = host_bounded_limit(resource.RLIMIT_NOFILE, 4096)
    nproc = host_bounded_limit(resource.RLIMIT_NPROC, 4096)
    lines = ["[containers]", f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]']
    if shutil.which("runc"):
        lines += ["", "[engine]", 'runtime = "runc"']
    path = podman_runtime_dir() / "containers.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(lines) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def host_bounded_limit(which: int, wanted: int) -> int:
    _soft, hard = resource.getrlimit(which)
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


def podman_environment() -> dict[str, str]:
    """Environment for any podman invocation of ours (service or CLI)."""
    return {**os.environ, "CONTAINERS_CONF": str(podman_containers_conf())}


def start_podman_service(socket_path: Path) -> docker.DockerClient:
    podman = shutil.which("podman")
    if podman is None:
        raise EngineUnavailable(
            "no container engine: DOCKER_HOST is unset, no Docker daemon answers at "
            f"{DOCKER_SOCKET}, and podman is not installed (run `make setup`)"
        )
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    if socket_path.exists():
        socket_path.unlink()
    log_path = socket_path.parent / "service.log"
    with open(log_path, "ab") as service_log:
        subprocess.Popen(
            [podman, "system", "service", "--time=0", f"unix://{socket_path}"],
            env=podman_environment(),
            # Its own folder as working directory: conmon (runc) drops an
            # "oom" marker file in the current directory when a container is
            # OOM-killed, and the service outlives whoever started it.
            cwd=socket_path.parent,
            stdin=subprocess.DEVNULL,
            stdout=service_log,
            stderr=service_log,
            start_new_session=True,  # outlives the process that started it
        )
    deadline = time.monotonic() + PODMAN_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if socket_path.exists():
            client = _ping(f"unix://{socket_path}")
            if client is not None:
                log.info("started podman API service at %s", socket_path)
                return client
        time.sleep(0.1)
    raise EngineUnavailable(f"podman API service did not come up at {socket_path}; see {log_path}")


def connect(base_url: str | None = None, start_podman: bool = True) -> docker.DockerClient:
    """Return a client for a container engine that answers.

    An explicitly configured URL (argument or ``DOCKER_HOST``) is used as it
    is: when it does not answer, that is an error, not a reason to go looking
    elsewhere.
    """
    explicit = base_url or os.environ.get("DOCKER_HOST")
    if explicit:
        client = _ping(explicit)
        if client is None:
            raise EngineUnavailable(f"container engine at {explicit} does not answer")
        return client
    if os.path.exists(DOCKER_SOCKET):
        client = _ping(f"unix://{DOCKER_SOCKET}")
        if client is not None:
            return client
    socket_path = podman_socket_path()
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    # Several processes (a server, the CLI, tests) may look at once: the lock
    # makes one of them start the service and the others use it.
    with open(socket_path.parent / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if socket_path.exists():
            client = _ping(f"unix://{socket_path}")
            if client is not None:
                return client
        if not start_podman:
            raise EngineUnavailable("no container engine answers and starting podman was not allowed")
        return start_podman_service(socket_path)
