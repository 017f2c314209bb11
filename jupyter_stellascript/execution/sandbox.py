"""The sandbox policy: how a script's container is locked down.

Everything here is on by default and applies to pooled and cold containers
alike: non-root user, read-only root filesystem, no capabilities, no new
privileges, pids/memory (no swap)/CPU/file-size/open-file limits, a small
tmpfs /tmp, and no network unless the run asks for one (that the RunPolicy
allows).
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


@dataclass(frozen=True)
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
        """Keyword arguments for ``client.containers.create``."""
        memory = int(limits.memory_bytes)
        return {
            "image": image,
            "entrypoint": [AGENT_IN_CONTAINER, f"{CONTROL_IN_CONTAINER}/{SOCKET_NAME}"],
            "command": [],
            "user": SCRIPT_USER,
            "working_dir": "/work",
            "environment": environment,
            "labels": labels,
            "network_mode": network_mode.value,
            "read_only": True,
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "pids_limit": limits.pids,
            "mem_limit": memory,
            "memswap_limit": memory,  # equal to the memory limit: no swap
            "nano_cpus": int(limits.cpus * 1e9),
            "ulimits": [
                Ulimit(name="nofile", soft=limits.open_files, hard=limits.open_files),
                Ulimit(name="fsize", soft=limits.file_size_bytes, hard=limits.file_size_bytes),
                Ulimit(name="core", soft=0, hard=0),
                # Set explicitly: some engines' defaults exceed the host's hard
                # limit, and the container then fails to start.
                Ulimit(name="nproc", soft=_NPROC, hard=_NPROC),
            ],
            "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={limits.tmpfs_bytes},mode=1777"},
            "mounts": [
                Mount("/scripts", str(scripts_dir), type="bind", read_only=True),
                Mount("/work", str(work_dir), type="bind", read_only=False),
                Mount(CONTROL_IN_CONTAINER, str(control_dir), type="bind", read_only=False),
                Mount(AGENT_IN_CONTAINER, str(agent_binary), type="bind", read_only=True),
            ],
        }
