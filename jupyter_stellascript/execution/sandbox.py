"""The sandbox policy: how a script's container is locked down.

Everything here is on by default and applies to pooled and cold containers
alike: non-root user, read-only root filesystem, no capabilities, no new
privileges, pids/memory (no swap)/CPU/file-size/open-file limits, a small
tmpfs /tmp, and no network unless the run asks for one (that the RunPolicy
allows, checked before a container is asked for). The containers that resolve dependencies (``dependencies/base.py``)
are made by the same ``hardened_container``, with their own limits and the
host's network.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.types import Mount, Ulimit

from .container_engine import host_bounded_limit
from .models import NetworkMode, ResourceLimits

SCRIPT_USER = "10001:10001"
AGENT_IN_CONTAINER = "/opt/stellascript/bin/stellascript-agent"
CONTROL_IN_CONTAINER = "/run/stellascript"
SOCKET_NAME = "agent.sock"
MANAGED_LABEL = "io.stellascript.managed"
OWNER_PID_LABEL = "io.stellascript.owner-pid"
OWNER_HOST_LABEL = "io.stellascript.owner-host"
POOL_KEY_LABEL = "io.stellascript.pool-key"


# RLIMIT_NPROC counts every process of the script's uid across all containers
# (there is no user namespace), so it is a shared ceiling, not a per-run one:
# the pids limit is what binds a run. It cannot be raised much further: the
# engine's own hard limit (32768 for a Podman service started from a shell
# here) caps what runc may set, and a higher value fails every start.
_NPROC = host_bounded_limit(resource.RLIMIT_NPROC, 4096)


class SandboxPolicy:
    """The fixed hardening. Which network modes a run may have is the
    RunPolicy's (policy.py), checked before a container is asked for."""

    def container_options(
        self,
        *,
        image: str,
        limits: ResourceLimits,
        network_mode: NetworkMode,
        scripts_dir: Path,
        work_dir: Path,
        control_dir: Path,
        agent_binary: Path,
        environment: dict[str, str],
        labels: dict[str, str],
    ) -> dict[str, Any]:
        """Keyword arguments for ``client.containers.create`` of a run's container."""
        return hardened_container(
            image=image,
            entrypoint=[AGENT_IN_CONTAINER, f"{CONTROL_IN_CONTAINER}/{SOCKET_NAME}"],
            command=[],
            working_dir="/work",
            environment=environment,
            labels=labels,
            network_mode=network_mode.value,
            memory_bytes=int(limits.memory_bytes),
            pids=limits.pids,
            open_files=limits.open_files,
            tmpfs_bytes=limits.tmpfs_bytes,
            cpus=limits.cpus,
            file_size_bytes=limits.file_size_bytes,
            mounts=[
                Mount("/scripts", str(scripts_dir), type="bind", read_only=True),
                Mount("/work", str(work_dir), type="bind", read_only=False),
                Mount(CONTROL_IN_CONTAINER, str(control_dir), type="bind", read_only=False),
                Mount(AGENT_IN_CONTAINER, str(agent_binary), type="bind", read_only=True),
            ],
        )


def hardened_container(
    *,
    image: str,
    entrypoint: list[str],
    command: list[str],
    working_dir: str,
    environment: dict[str, str],
    labels: dict[str, str],
    mounts: list[Mount],
    network_mode: str,
    memory_bytes: int,
    pids: int,
    open_files: int,
    tmpfs_bytes: int,
    cpus: float | None = None,
    file_size_bytes: int | None = None,
    user: str = SCRIPT_USER,
) -> dict[str, Any]:
    """Keyword arguments for ``client.containers.create`` of any container
    Stella Script starts from a runtime image: a script's run, or a package
    manager resolving dependencies (``dependencies/base.py``).

    Always: an unprivileged ``user``, a read-only root filesystem, no
    capabilities, no new privileges, memory without swap, a pids limit, no
    core dumps, a host-bounded process limit, an open-files limit, and a
    private nosuid/nodev tmpfs /tmp. What differs between uses is a
    parameter: the network (a run's is checked against the policy by the
    caller; a resolution uses the host's to reach registries), the sizes,
    and the optional CPU and file-size limits (a package manager writes
    archives larger than a script's file-size limit, and has no CPU share
    to keep).
    """
    ulimits = [
        Ulimit(name="nofile", soft=open_files, hard=open_files),
        Ulimit(name="core", soft=0, hard=0),
        # Set explicitly: some engines' defaults exceed the host's hard
        # limit, and the container then fails to start.
        Ulimit(name="nproc", soft=_NPROC, hard=_NPROC),
    ]
    if file_size_bytes is not None:
        ulimits.append(Ulimit(name="fsize", soft=file_size_bytes, hard=file_size_bytes))
    options: dict[str, Any] = {
        "image": image,
        "entrypoint": entrypoint,
        "command": command,
        "user": user,
        "working_dir": working_dir,
        "environment": environment,
        "labels": labels,
        "network_mode": network_mode,
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "pids_limit": pids,
        "mem_limit": memory_bytes,
        "memswap_limit": memory_bytes,  # equal to the memory limit: no swap
        "ulimits": ulimits,
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={tmpfs_bytes},mode=1777"},
        "mounts": mounts,
    }
    if cpus is not None:
        options["nano_cpus"] = int(cpus * 1e9)
    return options
