"""Workers for the queue's tests: real `stellascript worker` processes, each
with its own Podman service and container storage (own socket, graph root and
run root), sharing the host's runtime images read-only through
additionalimagestores (no copy: measured 0 s, against several seconds per
image for `podman save | podman load`)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from jupyter_stellascript.execution.container_engine import podman_environment
from tests.servers import STELLASCRIPT, RunningServer, json_of, wait_for

HOST_IMAGE_STORE = "/var/lib/containers/storage"
# Only bash is warmed: the tests run bash scripts, and 2 cores are shared.
SETTINGS = {"pool_sizes": {"bash": {"min_containers": 1, "max_containers": 4}, "python": {"min_containers": 0},
                           "go": {"min_containers": 0}, "java": {"min_containers": 0},
                           "typescript": {"min_containers": 0}, "csharp": {"min_containers": 0}}}



class PodmanService:
    """A Podman API service with storage of its own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket = root / "podman.sock"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> PodmanService:
        self.root.mkdir(parents=True, exist_ok=True)
        storage = self.root / "storage.conf"
        storage.write_text(f'[storage]\ndriver = "overlay"\ngraphroot = "{self.root}/graph"\nrunroot = "{self.root}/run"\n'
                           f'[storage.options]\nadditionalimagestores = ["{HOST_IMAGE_STORE}"]\n')
        env = {**podman_environment(), "CONTAINERS_STORAGE_CONF": str(storage)}
        self.process = subprocess.Popen(["podman", "system", "service", "--time=0", self.url], env=env, cwd=self.root,
                                        stdout=open(self.root / "service.log", "ab"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        wait_for(lambda: self.socket.exists() and _pings(self.socket), 30, f"podman at {self.socket}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            env = {**podman_environment(), "CONTAINERS_STORAGE_CONF": str(self.root / "storage.conf")}
            subprocess.run(["podman", "rm", "-af", "-t", "0"], env=env, capture_output=True, timeout=120)
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


def _pings(socket_path: Path) -> bool:
    import docker

    try:
        return docker.DockerClient(base_url=f"unix://{socket_path}", timeout=5).ping()
    except Exception:  # noqa: BLE001 - not up yet: ask again
        return False


class RunningWorker:
    """`stellascript worker` in its own process group and data directory."""

    def __init__(self, data_dir: Path, db_url: str, engine: str | None, tags: dict[str, str] | None = None,
                 concurrency: int = 2, secret_key_file: Path | None = None, worker_id: str | None = None,
                 settings: dict | None = None) -> None:
        self.data_dir, self.db_url, self.engine = data_dir, db_url, engine
        self.settings = settings or SETTINGS
        self.tags, self.concurrency, self.secret_key_file = tags or {}, concurrency, secret_key_file
        self.id = worker_id or f"w-{uuid.uuid4().hex[:8]}"
        self.log_path = data_dir / "worker.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> RunningWorker:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "worker_config.py"
        config.write_text("\n".join(f"c.StellaScript.{key} = {value!r}" for key, value in self.settings.items()) + "\n")
        command = [STELLASCRIPT, "worker", "--db", self.db_url, "--concurrency", str(self.concurrency), "--id", self.id,
                   "--data", str(self.data_dir), "--config", str(config)]
        command += [arg for key, value in self.tags.items() for arg in ("--tag", f"{key}={value}")]
        if self.engine:
            command += ["--engine", self.engine]
        if self.secret_key_file:
            command += ["--secret-key-file", str(self.secret_key_file)]
        self.process = subprocess.Popen(command, stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT,
                                        env={**os.environ, "STELLASCRIPT_DATA": str(self.data_dir)}, start_new_session=True)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: none of its shutdown code runs."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()




def workers_of(server: RunningServer, token: str) -> list[dict]:
    response = server.request("GET", "/workers", token=token)
    assert response.status_code == 200, response.text
    return json_of(response)["items"]


def wait_for_workers(server: RunningServer, token: str, ids: set[str], timeout_s: float = 180) -> list[dict]:
    """Until every worker is registered and its engine answers (it claims only then)."""
    return wait_for(lambda: ids <= {w["id"] for w in workers_of(server, token)} and workers_of(server, token),
                    timeout_s, f"workers {sorted(ids)}")


@pytest.fixture(scope="session")
def podman_services() -> Iterator[list[PodmanService]]:
    root = Path(tempfile.mkdtemp(prefix="stellascript-q-podman-"))
    services = [PodmanService(root / f"engine-{index}").start() for index in range(3)]
    yield services
    for service in services:
        service.stop()
    shutil.rmtree(root, ignore_errors=True)


def record(server: RunningServer, token: str, execution_id: str) -> dict:
    response = server.request("GET", f"/scripts/executions/{execution_id}", token=token)
    assert response.status_code == 200, response.text
    return json_of(response)


def create_script(server: RunningServer, token: str, name: str, content: str) -> str:
    response = server.request("POST", "/scripts", token=token, json={"name": name, "language": "bash", "content": content})
    assert response.status_code == 201, response.text
    return json_of(response)["id"]


def submit(server: RunningServer, token: str, script_id: str, **body) -> str:
    response = server.request("POST", f"/scripts/{script_id}/execute", token=token, json=body)
    assert response.status_code == 202, response.text
    return json_of(response)["execution_id"]


def terminal(server: RunningServer, token: str, execution_id: str, timeout_s: float = 120) -> dict:
    return wait_for(lambda: (r := record(server, token, execution_id))["status"] not in ("Queued", "Running") and r,
                    timeout_s, f"execution {execution_id} to end")


__all__ = ["requests"]
