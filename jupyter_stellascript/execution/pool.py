"""The warm container pool.

Containers are single-use: each is created with its own empty host folders
(mounted as /scripts; /work and the agent's control folder are tmpfs of its
own) and a uid no other live container has (uids.py), started, and kept idle
until one execution takes it; afterwards it is destroyed and a fresh one
takes its place in the background. Nothing can carry over from one execution
to the next because nothing is ever reused.

Everything fixed when a container is created (image, limits, network mode)
forms its :class:`ContainerSpec`; the pool keeps idle containers per spec.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from .host import pid_alive
from .sandbox import (
    MANAGED_LABEL,
    OWNER_HOST_LABEL,
    OWNER_PID_LABEL,
    POOL_KEY_LABEL,
    SOCKET_NAME,
    SandboxPolicy,
)
from .pool_models import ContainerSpec, PooledContainer, PoolTarget
from .uids import LeasedUid, NoFreeUid, UidAllocator

log = logging.getLogger(__name__)

AGENT_READY_TIMEOUT_S = 30.0
OWNER_FILE = "owner.json"
AGENT_FILE = "agent"
# Podman may refuse to remove a container whose PID 1 was just OOM-killed
# ("container state improper") until it has noticed the exit: retry, with
# these pauses in between.
REMOVE_RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 4.0)


class PoolError(RuntimeError):
    """A container could not be created or started."""


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another filesystem
        shutil.copy2(source, target)


class ContainerPool:
    def __init__(
        self,
        client: docker.DockerClient,
        policy: SandboxPolicy,
        agent_binary: Path,
        temp_root: Path,
        enabled: bool = True,
        uids: UidAllocator | None = None,
    ) -> None:
        self.client = client
        self.uids = uids or UidAllocator()
        self.policy = policy
        self.agent_binary = agent_binary
        self.temp_root = temp_root
        self.enabled = enabled
        self._targets: dict[str, PoolTarget] = {}
        self._specs: dict[str, ContainerSpec] = {}
        self._idle: dict[str, collections.deque[PooledContainer]] = collections.defaultdict(collections.deque)
        self._leased: dict[str, int] = collections.Counter()
        self._creating: dict[str, int] = collections.Counter()
        self._last_acquired: dict[str, float] = {}
        self._lock = threading.Condition()
        self._wake = threading.Event()
        self._stopping = False
        self.hits = 0
        self.misses = 0
        self.remove_orphans()
        self._maintainer = threading.Thread(target=self._maintain, name="stellascript-pool", daemon=True)
        self._maintainer.start()

    # -- configuration ---------------------------------------------------------

    def configure(self, spec: ContainerSpec, target: PoolTarget) -> None:
        """Keep ``target.min_idle`` containers of ``spec`` ready."""
        if spec.joined_container:
            raise ValueError("containers that join a target's network are made for their run, never kept warm")
        with self._lock:
            self._specs[spec.key] = spec
            self._targets[spec.key] = target
        self._wake.set()

    def wait_until_warm(self, timeout_s: float = 120.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if all(len(self._idle[key]) >= target.min_idle for key, target in self._targets.items()):
                    return True
            time.sleep(0.05)
        return False

    # -- leasing ---------------------------------------------------------------

    def acquire(self, spec: ContainerSpec, deadline: float | None = None,
                on_wait: Callable[[str], None] | None = None) -> tuple[PooledContainer, bool]:
        """A ready container for ``spec`` and whether it came warm from the pool.

        When every container this pool may have of ``spec`` is leased, the
        run waits, and ``on_wait`` hears why (once) and, after, for how long:
        a run that is only waiting must not look stuck.
        """
        key = spec.key
        waiting_since: float | None = None
        with self._lock:
            self._specs.setdefault(key, spec)
            target = self._targets.get(key)
            if target is not None:
                while self._leased[key] >= target.max_containers:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise PoolError(f"all {target.max_containers} containers for {spec.image} are busy")
                    if waiting_since is None:
                        waiting_since = time.monotonic()
                        if on_wait is not None:
                            # Under the lock: the callback only queues a message (it never calls the pool).
                            on_wait(f"waiting for a free container: all {target.max_containers} {spec.image} "
                                    f"container(s) of this server's pool are busy (pool_sizes max_containers)")
                    self._lock.wait(remaining)
            self._leased[key] += 1
            self._last_acquired[key] = time.monotonic()
            if waiting_since is not None and on_wait is not None:
                on_wait(f"got a container after waiting {time.monotonic() - waiting_since:.1f}s")
            idle = self._idle[key]
            container = idle.popleft() if idle else None
            if container is not None:
                self.hits += 1
            else:
                self.misses += 1
        self._wake.set()
        if container is not None:
            return container, True
        try:
            return self._create(spec), False
        except BaseException:
            with self._lock:
                self._leased[key] -= 1
                self._lock.notify_all()
            raise

    def release(self, container: PooledContainer) -> None:
        """Give back a leased container: it is destroyed, never reused."""
        with self._lock:
            self._leased[container.spec.key] -= 1
            self._lock.notify_all()
        threading.Thread(target=self._destroy, args=(container,), daemon=True).start()
        self._wake.set()

    def kill(self, container: PooledContainer) -> None:
        """Stop everything in the container now (timeout, cancel)."""
        try:
            self.client.api.kill(container.container_id)
        except NotFound:
            return
        except APIError as error:
            log.debug("kill %s: %s", container.container_id[:12], error)

    def inspect_state(self, container: PooledContainer) -> dict:
        try:
            return self.client.api.inspect_container(container.container_id).get("State", {})
        except (APIError, NotFound):
            return {}

    # -- lifecycle ---------------------------------------------------------------

    def _new_slot(self) -> Path:
        slot = self.temp_root / uuid.uuid4().hex[:12]
        (slot / "scripts").mkdir(parents=True, mode=0o755)
        # The agent is mounted from the slot, not from the data directory, so
        # the container's mountinfo names no more of the host than the slot.
        _link_or_copy(self.agent_binary, slot / AGENT_FILE)
        (slot / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
        slot.chmod(0o755)
        return slot

    def _create(self, spec: ContainerSpec) -> PooledContainer:
        try:
            uid = self.uids.lease()
        except NoFreeUid as error:
            raise PoolError(str(error)) from error
        try:
            return self._create_as(spec, uid)
        except BaseException:
            uid.release()  # _create_as removed the container, if any
            raise

    def _create_as(self, spec: ContainerSpec, uid: LeasedUid) -> PooledContainer:
        slot = self._new_slot()
        options = self.policy.container_options(
            image=spec.image,
            limits=spec.limits,
            network_mode=spec.engine_network_mode,
            uid=uid.uid,
            scripts_dir=slot / "scripts",
            agent_binary=slot / AGENT_FILE,
            environment=dict(spec.environment),
            labels={
                MANAGED_LABEL: "true",
                OWNER_PID_LABEL: str(os.getpid()),
                OWNER_HOST_LABEL: socket.gethostname(),
                POOL_KEY_LABEL: spec.key,
            },
        )
        container_id = None
        try:
            container_id = self.client.containers.create(**options).id
            self.client.api.start(container_id)
            host_pid = int(self.client.api.inspect_container(container_id)["State"]["Pid"])
        except ImageNotFound as error:
            shutil.rmtree(slot, ignore_errors=True)
            raise PoolError(f"runtime image {spec.image} is missing; build it with `stellascript runtimes build`") from error
        except (APIError, DockerException) as error:
            self._remove_quietly(container_id)
            shutil.rmtree(slot, ignore_errors=True)
            raise PoolError(f"cannot start a container from {spec.image}: {error}") from error
        pooled = PooledContainer(container_id=container_id, spec=spec, slot_dir=slot, uid=uid, host_pid=host_pid)
        try:
            self._wait_for_agent(pooled)
        except PoolError:
            self._remove_quietly(container_id)
            shutil.rmtree(slot, ignore_errors=True)
            raise
        return pooled

    def _wait_for_agent(self, pooled: PooledContainer) -> None:
        socket_path = pooled.control_dir / SOCKET_NAME
        deadline = time.monotonic() + AGENT_READY_TIMEOUT_S
        delay = 0.002
        while time.monotonic() < deadline:
            if socket_path.exists() and pooled.agent.ping():
                return
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
            if delay == 0.05 and not self.inspect_state(pooled).get("Running", False):
                logs = self._logs(pooled.container_id)
                raise PoolError(f"container from {pooled.spec.image} exited before its agent was ready: {logs}")
        raise PoolError(f"the agent in a container from {pooled.spec.image} did not become ready")

    def _logs(self, container_id: str) -> str:
        try:
            return self.client.api.logs(container_id).decode(errors="replace").strip()[-2000:]
        except (APIError, NotFound):
            return "(no logs)"

    def _remove_quietly(self, container_id: str | None) -> bool:
        """Remove the container, retrying what the engine refuses for a
        moment; False (logged) when it is still there."""
        if container_id is None:
            return True
        for delay in (*REMOVE_RETRY_DELAYS_S, None):
            try:
                self.client.api.remove_container(container_id, force=True, v=True)
                return True
            except NotFound:
                return True
            except APIError as error:
                if delay is None:
                    log.warning("could not remove container %s: %s", container_id[:12], error)
                    return False
                log.debug("removing %s: %s; retrying", container_id[:12], error)
                self._kill_quietly(container_id)
                time.sleep(delay)
        return False

    def _kill_quietly(self, container_id: str) -> None:
        try:
            self.client.api.kill(container_id)
        except (APIError, NotFound) as error:  # already stopped, or gone
            log.debug("kill %s before removal: %s", container_id[:12], error)

    def _destroy(self, pooled: PooledContainer) -> None:
        if self._remove_quietly(pooled.container_id):
            # Only now may another container have this uid: none of this
            # one's processes is left to count against it.
            pooled.uid.release()
        shutil.rmtree(pooled.slot_dir, ignore_errors=True)

    def remove_orphans(self) -> int:
        """Remove containers and folders left by engine processes that died."""
        removed = 0
        host = socket.gethostname()
        try:
            containers = self.client.api.containers(all=True, filters={"label": f"{MANAGED_LABEL}=true"})
        except APIError as error:
            log.warning("cannot list containers for orphan clean-up: %s", error)
            containers = []
        for info in containers:
            labels = info.get("Labels") or {}
            pid = int(labels.get(OWNER_PID_LABEL, "0") or 0)
            if labels.get(OWNER_HOST_LABEL) == host and not pid_alive(pid):
                self._remove_quietly(info["Id"])
                removed += 1
        if self.temp_root.is_dir():
            for slot in self.temp_root.iterdir():
                owner_file = slot / OWNER_FILE
                if not owner_file.is_file():
                    continue
                try:
                    owner = json.loads(owner_file.read_text())
                except (OSError, ValueError):
                    continue
                if owner.get("host") == host and not pid_alive(int(owner.get("pid", 0))):
                    shutil.rmtree(slot, ignore_errors=True)
        if removed:
            log.info("removed %d containers left behind by a stopped engine", removed)
        return removed

    def _maintain(self) -> None:
        while not self._stopping:
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            if self._stopping or not self.enabled:
                continue
            self._expire_idle()
            self._refill()

    def _expire_idle(self) -> None:
        now = time.monotonic()
        expired = []
        with self._lock:
            for key, target in list(self._targets.items()):
                if target.retire_after_s is not None and now - self._last_acquired.get(key, now) > target.retire_after_s:
                    del self._targets[key]
            for key, idle in self._idle.items():
                target = self._targets.get(key)
                keep = target.min_idle if target else 0
                timeout = target.idle_timeout_s if target else 60.0
                while len(idle) > keep and now - idle[0].created_at > timeout:
                    expired.append(idle.popleft())
        for container in expired:
            self._destroy(container)

    def _refill(self) -> None:
        while not self._stopping:
            with self._lock:
                wanted = None
                for key, target in self._targets.items():
                    ready = len(self._idle[key]) + self._creating[key]
                    if ready < target.min_idle and ready + self._leased[key] < target.max_containers:
                        wanted = self._specs[key]
                        self._creating[key] += 1
                        break
            if wanted is None:
                return
            try:
                container = self._create(wanted)
            except PoolError as error:
                log.warning("pool refill for %s failed: %s", wanted.image, error)
                with self._lock:
                    self._creating[wanted.key] -= 1
                time.sleep(1.0)  # an engine problem: don't spin
                return
            with self._lock:
                self._creating[wanted.key] -= 1
                if self._stopping:
                    stale = container
                else:
                    self._idle[wanted.key].append(container)
                    stale = None
            if stale is not None:
                self._destroy(stale)

    def drop_idle(self, spec: ContainerSpec) -> None:
        """Destroy the idle containers of ``spec`` (its image was just rebuilt)."""
        with self._lock:
            stale = list(self._idle.pop(spec.key, ()))
        for container in stale:
            self._destroy(container)
        self._wake.set()

    def idle_counts(self) -> dict[str, int]:
        with self._lock:
            return {self._specs[key].image: len(idle) for key, idle in self._idle.items() if key in self._specs}

    def shutdown(self) -> None:
        self._stopping = True
        self._wake.set()
        self._maintainer.join(timeout=30)
        with self._lock:
            idle = [container for queue in self._idle.values() for container in queue]
            self._idle.clear()
        for container in idle:
            self._destroy(container)

