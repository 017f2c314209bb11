"""Real servers for tests: ``stellascript serve`` processes and a PostgreSQL cluster.

Nothing here is a stand-in: the server is the product's own command, the
database is a PostgreSQL started from Debian's binaries.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

STELLASCRIPT = str(Path(sys.executable).with_name("stellascript"))
API = "/stellascript/api/v1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]



def stop_process_group(process: subprocess.Popen | None, grace_s: float = 30) -> None:
    """SIGTERM a server started in its own process group (it and whatever it
    started), SIGKILL after the grace period."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

class RunningServer:
    """A headless Stella Script server in its own process and data directory."""

    def __init__(self, data_dir: Path, db_url: str | None = None, settings: dict | None = None) -> None:
        self.data_dir = data_dir
        self.db_url = db_url
        self.settings = {"pool_sizes": {name: {"min_containers": 1} for name in
                                        ("python", "bash", "go", "java", "typescript", "csharp")}, **(settings or {})}
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    def _write_config(self) -> Path:
        lines = [f"c.StellaScript.{name} = {value!r}" for name, value in self.settings.items()]
        if self.db_url:
            lines.append(f"c.StellaScript.db_url = {self.db_url!r}")
        path = self.data_dir / "jupyter_server_config.py"
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self, wait_for_engine: bool = True, timeout_s: float = 120) -> "RunningServer":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        env = {**os.environ, "STELLASCRIPT_DATA": str(self.data_dir)}
        self.process = subprocess.Popen(
            [STELLASCRIPT, "serve", "--port", str(self.port), "--data", str(self.data_dir), "--config", str(config)],
            stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_path.read_text()[-4000:]}")
            try:
                health = requests.get(f"{self.url}/health", timeout=2).json()
                if not wait_for_engine or health.get("engine") == "ready":
                    return self
                if health.get("engine") == "unavailable":
                    raise RuntimeError(f"engine unavailable: {health}")
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"server did not become ready:\n{self.log_path.read_text()[-4000:]}")

    def token(self, user: str, teams: tuple[str, ...] = (), admin: bool = False) -> str:
        command = [STELLASCRIPT, "token", "create", "--user", user, "--data", str(self.data_dir)]
        command += [arg for team in teams for arg in ("--team", team)]
        if admin:
            command.append("--admin")
        if self.db_url:
            command += ["--db-url", self.db_url]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()

    def request(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"token {token}"
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=kwargs.pop("timeout", 120), **kwargs)

    def stop(self) -> None:
        stop_process_group(self.process)

    def kill(self) -> None:
        """SIGKILL the server: no shutdown code runs."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


class PostgresCluster:
    """A throw-away PostgreSQL cluster (Debian's binaries), run as the postgres user."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.bin_dir = self._find_bin_dir()

    @staticmethod
    def _find_bin_dir() -> Path:
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
        for candidate in candidates:
            if (candidate / "initdb").exists():
                return candidate
        found = shutil.which("initdb")
        if found:
            return Path(found).resolve().parent
        raise FileNotFoundError("PostgreSQL is not installed (make setup installs Debian's postgresql)")

    def _as_postgres(self, *command: str) -> subprocess.CompletedProcess:
        user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None

        def demote() -> None:
            if user:
                os.setgid(user.pw_gid)
                os.setuid(user.pw_uid)

        return subprocess.run(command, check=True, capture_output=True, text=True, preexec_fn=demote)

    @property
    def url(self) -> str:
        return self.database_url("stellascript")

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """A new, empty database on this cluster; returns its URL."""
        self._as_postgres(str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.database_url(name)

    def start(self) -> "PostgresCluster":
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        self._as_postgres(str(self.bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        self._as_postgres(
            str(self.bin_dir / "pg_ctl"), "-D", str(data), "-l", str(self.root / "postgres.log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
        )
        self._as_postgres(str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "stellascript")
        return self

    def stop(self) -> None:
        self._as_postgres(str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")


def json_of(response: requests.Response) -> dict:
    try:
        return response.json()
    except json.JSONDecodeError as error:
        raise AssertionError(f"{response.status_code} {response.text[:500]}") from error


def sse_events(response: requests.Response) -> Iterator[tuple[str, str, float]]:
    """(event, data, monotonic arrival time) for each server-sent event, as bytes arrive."""
    buffer = b""
    event, data = None, []
    for chunk in response.iter_content(chunk_size=None):
        arrived = time.monotonic()
        buffer += chunk
        while b"\n" in buffer:
            raw, buffer = buffer.split(b"\n", 1)
            line = raw.decode()
            if line == "":
                if event is not None:
                    yield event, "\n".join(data), arrived
                event, data = None, []
            elif line.startswith("event:"):
                event = line[len("event:"):].strip()
            elif line.startswith("data:"):
                value = line[len("data:"):]
                data.append(value[1:] if value.startswith(" ") else value)


def wait_for(predicate, timeout_s: float, what: str, interval_s: float = 0.1):
    """predicate()'s first true value, looked for every interval_s; AssertionError naming ``what`` after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(interval_s)
