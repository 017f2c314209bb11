"""A real headless server for the REST benchmarks: `stellascript serve` on a
free loopback port with its own data directory, configuration and API token."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

API = "/stellascript/api/v1"
STELLASCRIPT = str(Path(sys.executable).with_name("stellascript"))
READY_TIMEOUT_S = 180


class BenchError(RuntimeError):
    """A run failed or the set-up is wrong: nothing worth reporting was measured."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BenchServer:
    def __init__(self, data: Path, settings: dict) -> None:
        self.data, self.port = data, free_port()
        data.mkdir(parents=True, exist_ok=True)
        config = data / "jupyter_server_config.py"
        config.write_text("".join(f"c.StellaScript.{name} = {value!r}\n" for name, value in settings.items()))
        env = {**os.environ, "STELLASCRIPT_DATA": str(data), "STELLASCRIPT_GC_INTERVAL": "off"}
        self.process = subprocess.Popen(
            [STELLASCRIPT, "serve", "--port", str(self.port), "--data", str(data), "--config", str(config)],
            stdout=open(data / "server.log", "ab"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}{API}"
        self._wait_until_ready()
        self.token = subprocess.run([STELLASCRIPT, "token", "create", "--user", "bench", "--data", str(data)],
                                    check=True, capture_output=True, text=True).stdout.strip()
        self.headers = {"Authorization": f"token {self.token}"}

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"the server exited: {(self.data / 'server.log').read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/health", timeout=2).json().get("engine") == "ready":
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise BenchError(f"the server did not become ready in {READY_TIMEOUT_S} s")

    def session(self) -> requests.Session:
        """A keep-alive session with the token."""
        session = requests.Session()
        session.headers.update(self.headers)
        return session

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        response = requests.request(method, f"{self.url}{path}", json=body, headers=self.headers, timeout=600)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
