"""The sandbox policy: how a script's container is locked down.

Everything here is on by default and applies to pooled and cold containers
alike: a non-root user of its own (a uid no other live run has, see
uids.py), a read-only root filesystem, no capabilities, no new privileges,
pids/memory (no swap)/CPU/file-size/open-file/process limits, size-limited
tmpfs /work and /tmp, and no network unless the run asks for one (that the
RunPolicy allows, checked before a container is asked for). The containers
that resolve dependencies (``dependencies/base.py``) are made by the same
``hardened_container``, with their own limits and the host's network.

Every writable path of a run is a tmpfs of a bounded size, charged to the
run's memory: /work (``work_bytes``, at most half the memory), /tmp
(``tmpfs_bytes``, at most a quarter) and /dev/shm (``shm_bytes``, an eighth
of the memory, at most 64 MiB), so that filling them all still leaves the
script and the agent room to run and report. The agent's control folder (its
socket) is a tiny tmpfs too, which the host reaches through
``/proc/<pid>/root``: the only host folders a run sees are its read-only
/scripts and the agent binary. /var/tmp and /run, which Podman adds as
unbounded tmpfs to a read-only container, are replaced by 64 KiB ones (the
script cannot write /run). /run/secrets is a 1 MiB tmpfs of its own, root's
(mode 755), into which the engine writes the run's secrets as read-only
files (secrets/delivery.py); it goes with the container.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.types import Mount, Ulimit

from ..secrets.delivery import SECRETS_DIR
from .container_engine import host_bounded_limit
from .models import ResourceLimits

SCRIPT_GID = 10001
SCRIPT_USER = f"10001:{SCRIPT_GID}"
AGENT_IN_CONTAINER = "/opt/stellascript/bin/stellascript-agent"
CONTROL_IN_CONTAINER = "/run/stellascript"
SOCKET_NAME = "agent.sock"
MANAGED_LABEL = "io.stellascript.managed"
OWNER_PID_LABEL = "io.stellascript.owner-pid"
OWNER_HOST_LABEL = "io.stellascript.owner-host"
POOL_KEY_LABEL = "io.stellascript.pool-key"


# RLIMIT_NPROC counts every process of a uid across all containers (there is
# no user namespace). A run has a uid of its own, so for it the limit is just
# above the pids limit: the pids cgroup binds first (and counts its events),
# and were a uid ever shared, a second run would still find almost no room.
# Containers that share the default user (dependency resolutions) get a
# shared ceiling. That cannot be raised much: the engine's own hard limit
# (32768 for a Podman service started from a shell here) caps what runc may
# set, and a higher value fails every start.
NPROC_MARGIN = 32
_SHARED_NPROC = host_bounded_limit(resource.RLIMIT_NPROC, 4096)

# Podman mounts an unbounded tmpfs at /run and /var/tmp of a read-only
# container; these 64 KiB ones replace them. Root's, mode 755: the script
# cannot write /run; /var/tmp keeps the image's mode (1777) whatever the
# options say, so it is 64 KiB of scratch.
_SMALL_TMPFS = "rw,nosuid,nodev,noexec,size=64k,mode=0755,notmpcopyup"

MAX_SHM_BYTES = 64 * 1024 * 1024

# A run's secrets: root's folder, which the script can read but not write
# (the engine writes each file from the host, root:SCRIPT_GID, mode 0440).
SECRETS_TMPFS = "rw,nosuid,nodev,noexec,size=1m,mode=0755,notmpcopyup"


def shm_bytes(memory_bytes: int) -> int:
    return min(MAX_SHM_BYTES, memory_bytes // 8)


# The agent's socket folder: its user's, and too small to be scratch space.
CONTROL_TMPFS = "rw,nosuid,nodev,noexec,size=64k,mode=0700,U"


def work_tmpfs(size_bytes: int) -> str:
    """The options of a run's /work: its own user's (U), 0700, ``size_bytes``."""
    return f"rw,nosuid,nodev,size={size_bytes},mode=0700,U"


class SandboxPolicy:
    """The fixed hardening. Which network modes a run may have is the
    RunPolicy's (policy.py), checked before a container is asked for."""

    def container_options(
        self,
        *,
        image: str,
        limits: ResourceLimits,
        network_mode: str,
        uid: int,
        scripts_dir: Path,
        agent_binary: Path,
        environment: dict[str, str],
        labels: dict[str, str],
    ) -> dict[str, Any]:
        """Keyword arguments for ``client.containers.create`` of a run's container
        (``network_mode`` as the engine takes it: ContainerSpec.engine_network_mode)."""
        return hardened_container(
            image=image,
            entrypoint=[AGENT_IN_CONTAINER, f"{CONTROL_IN_CONTAINER}/{SOCKET_NAME}"],
            command=[],
            working_dir="/work",
            environment=environment,
            labels=labels,
            # none, bridge, host, or container:<target id>: only the target's network
            # namespace is joined; its PID namespace, volumes and files are not shared.
            network_mode=network_mode,
            memory_bytes=int(limits.memory_bytes),
            pids=limits.pids,
            open_files=limits.open_files,
            tmpfs_bytes=limits.tmpfs_bytes,
            cpus=limits.cpus,
            file_size_bytes=limits.file_size_bytes,
            user=f"{uid}:{SCRIPT_GID}",
            nproc=limits.pids + NPROC_MARGIN,
            shm_size=shm_bytes(int(limits.memory_bytes)),
            tmpfs={"/work": work_tmpfs(limits.work_bytes), CONTROL_IN_CONTAINER: CONTROL_TMPFS, SECRETS_DIR: SECRETS_TMPFS},
            mounts=[
                Mount("/scripts", str(scripts_dir), type="bind", read_only=True),
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
    nproc: int | None = None,
    tmpfs: dict[str, str] | None = None,
    shm_size: int | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``client.containers.create`` of any container
    Stella Script starts from a runtime image: a script's run, or a package
    manager resolving dependencies (``dependencies/base.py``).

    Always: an unprivileged ``user``, a read-only root filesystem, no
    capabilities, no new privileges, memory without swap, a pids limit, no
    core dumps, a host-bounded process limit, an open-files limit, and a
    private nosuid/nodev tmpfs /tmp, and 64 KiB /run and /var/tmp. What
    differs between uses is a parameter: the network (a run's is checked against the policy by the
    caller; a resolution uses the host's to reach registries), the sizes,
    and the optional CPU and file-size limits (a package manager writes
    archives larger than a script's file-size limit, and has no CPU share
    to keep), ``nproc`` (the shared ceiling unless the user is the
    container's own), more ``tmpfs`` mounts (a run's /work) and the size
    of /dev/shm (the engine's default, 64 MB, unless given).
    """
    ulimits = [
        Ulimit(name="nofile", soft=open_files, hard=open_files),
        Ulimit(name="core", soft=0, hard=0),
        # Set explicitly: some engines' defaults exceed the host's hard
        # limit, and the container then fails to start.
        Ulimit(name="nproc", soft=nproc or _SHARED_NPROC, hard=nproc or _SHARED_NPROC),
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
        "tmpfs": {
            "/tmp": f"rw,nosuid,nodev,size={tmpfs_bytes},mode=1777",
            "/var/tmp": _SMALL_TMPFS,
            "/run": _SMALL_TMPFS,
            **(tmpfs or {}),
        },
        "mounts": mounts,
    }
    if cpus is not None:
        options["nano_cpus"] = int(cpus * 1e9)
    if shm_size is not None:
        options["shm_size"] = shm_size
    return options
