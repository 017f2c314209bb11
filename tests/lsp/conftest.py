"""A real Jupyter server with jupyter-lsp and Stella Script, as JupyterLab runs them."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from openapi_schema_validator import OAS31Validator

from jupyter_stellascript.lsp.project import project_files
from tests.servers import free_port, stop_process_group

OPENAPI = json.loads((Path(__file__).resolve().parents[2] / "jupyter_stellascript" / "openapi.json").read_text())

JUPYTER = str(Path(sys.executable).with_name("jupyter"))


class JupyterServer:
    def __init__(self, root_dir: Path, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.root_dir, self.data_dir = root_dir, data_dir
        self.env = env or {}
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log_path = data_dir / "jupyter-server.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def ws_url(self, server_name: str) -> str:
        return f"ws://127.0.0.1:{self.port}/lsp/ws/{server_name}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, self.url + path.lstrip("/"), timeout=kwargs.pop("timeout", 120),
                                headers={"Authorization": f"token {self.token}"}, **kwargs)

    def workspace_configuration(self, server_name: str) -> dict:
        """The settings jupyterlab-lsp would send this server (from its spec)."""
        response = self.request("GET", "lsp/status")
        assert response.status_code == 200, response.text
        return response.json()["specs"][server_name].get("workspace_configuration", {})

    def start(self, timeout_s: float = 60) -> "JupyterServer":
        self.root_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [JUPYTER, "server", "--no-browser", f"--port={self.port}", "--ServerApp.port_retries=0",
                   "--ip=127.0.0.1", f"--ServerApp.root_dir={self.root_dir}", f"--IdentityProvider.token={self.token}",
                   # Editing runs no script: no warm containers to start.
                   "--StellaScript.pool_enabled=False"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        env = {**os.environ, "STELLASCRIPT_DATA": str(self.data_dir), **self.env}
        self.process = subprocess.Popen(command, stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT,
                                        env=env, start_new_session=True, cwd=self.root_dir)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter server exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if self.request("GET", "lsp/status", timeout=10).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or jupyter-lsp still collecting its specs
            time.sleep(0.2)
        raise TimeoutError(f"jupyter server did not start:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        stop_process_group(self.process)


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory) -> Iterator[JupyterServer]:
    base = tmp_path_factory.mktemp("lsp")
    server = JupyterServer(base / "root", base / "data").start()
    yield server
    server.stop()


def checkout(server: JupyterServer, language: str, name: str, entry_point: str, source: str) -> Path:
    """A script as the panel checks it out: its own folder in the workspace,
    with the project files its language server needs."""
    folder = server.root_dir / "stellascripts" / name
    folder.mkdir(parents=True, exist_ok=True)
    for relative, content in project_files(language, entry_point).items():
        (folder / relative).write_text(content)
    path = folder / entry_point
    path.write_text(source)
    return path


def check_schema(schema_name: str, instance: object) -> None:
    """``instance`` is what openapi.json says the endpoint answers."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": OPENAPI["components"]}
    errors = sorted(OAS31Validator(schema).iter_errors(instance), key=str)
    assert not errors, f"{schema_name}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
