"""What the warm pool hands out and keeps: a container's spec (everything
fixed when it is created), the pool's target per spec, and a pooled container."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .agent import AgentClient
from .models import NetworkMode, ResourceLimits
from .sandbox import CONTROL_IN_CONTAINER, SOCKET_NAME
from .uids import LeasedUid


@dataclass(frozen=True)
class ContainerSpec:
    image: str
    limits: ResourceLimits
    network_mode: NetworkMode
    environment: tuple[tuple[str, str], ...] = ()
    # A target container's id: the container joins its network namespace
    # (network_mode is then unused). Such a spec is never kept warm: a network
    # namespace is fixed when a container is created, and the target's goes
    # when it stops or restarts, so the run's container is made for the run.
    joined_container: str | None = None

    @property
    def engine_network_mode(self) -> str:
        """What the engine is asked for: none, bridge, host, or container:<id> (as Docker Engine and Podman both take it)."""
        return f"container:{self.joined_container}" if self.joined_container else self.network_mode.value

    @property
    def key(self) -> str:
        text = json.dumps([self.image, self.limits.to_dict(), self.engine_network_mode, list(self.environment)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PoolTarget:
    min_idle: int
    max_containers: int
    idle_timeout_s: float
    # Stop keeping containers of this spec ready once none was asked for in
    # this long (derived dependency images: warm while in use, not forever).
    retire_after_s: float | None = None


@dataclass
class PooledContainer:
    container_id: str
    spec: ContainerSpec
    slot_dir: Path
    uid: LeasedUid
    host_pid: int
    created_at: float = field(default_factory=time.monotonic)

    @property
    def scripts_dir(self) -> Path:
        return self.slot_dir / "scripts"

    @property
    def control_dir(self) -> Path:
        """The agent's folder (a tmpfs in the container), seen from the host."""
        return Path(f"/proc/{self.host_pid}/root{CONTROL_IN_CONTAINER}")

    def host_folder(self, name: str) -> Path:
        """An empty host folder of this slot, not mounted in the container
        (where the engine unpacks what the agent sends, e.g. a build)."""
        path = self.slot_dir / name
        path.mkdir()
        return path

    @property
    def agent(self) -> AgentClient:
        return AgentClient(self.control_dir / SOCKET_NAME)
