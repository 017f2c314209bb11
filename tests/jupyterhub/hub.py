"""A real JupyterHub on loopback for the team tests: DummyAuthenticator with
one fixed password, SimpleLocalProcessSpawner (root-compatible), the npm
configurable-http-proxy from hub-tools/, single-user JupyterLab servers with
this tree's extension, all sharing one PostgreSQL registry."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.servers import free_port, stop_process_group

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PROXY = ROOT / "hub-tools" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "stella-hub-test"
GROUPS = {"ops": ["ana", "ben"], "dev": ["cy"]}


class RunningHub:
    def __init__(self, data_dir: Path, registry_url: str) -> None:
        self.data_dir = data_dir
        self.registry_url = registry_url
        self.port, self.hub_port, self.proxy_api_port = free_port(), free_port(), free_port()
        self.admin_token = secrets.token_hex(24)
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir / "hub.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        server_config = self.data_dir / "singleuser-config"
        server_config.mkdir(parents=True, exist_ok=True)
        (server_config / "jupyter_server_config.py").write_text(
            f"c.StellaScript.db_url = {self.registry_url!r}\n"
            "c.StellaScript.pool_enabled = False\n")
        users = sorted(name for members in GROUPS.values() for name in members)
        # Each user's server builds the agent into its own data directory: from
        # the host's Go build cache, seconds; from a new home's, minutes of a loaded machine.
        go_cache = subprocess.run(["go", "env", "GOCACHE"], capture_output=True, text=True, check=True).stdout.strip()
        config = f"""
c.JupyterHub.bind_url = "http://127.0.0.1:{self.port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{self.hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{self.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
c.ConfigurableHTTPProxy.pid_file = {str(self.data_dir / 'proxy.pid')!r}
c.JupyterHub.db_url = "sqlite:///{self.data_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(self.data_dir / 'cookie_secret')!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.Authenticator.allowed_users = set({users!r})
c.Authenticator.admin_users = {{"ana"}}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(self.data_dir / 'home' / '{username}')!r}
c.Spawner.cmd = [{str(VENV_BIN / 'jupyterhub-singleuser')!r}]
c.Spawner.args = ["--allow-root"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {{"PYTHONPATH": {str(ROOT)!r}, "JUPYTER_CONFIG_PATH": {str(server_config)!r},
                         "GOCACHE": {go_cache!r},
                         "PATH": {str(VENV_BIN) + ':' + os.environ['PATH']!r}}}
c.JupyterHub.load_groups = {{name: {{"users": members}} for name, members in {GROUPS!r}.items()}}
c.JupyterHub.services = [{{"name": "tester", "api_token": {self.admin_token!r}}}]
c.JupyterHub.load_roles = [{{"name": "tester", "services": ["tester"],
                            "scopes": ["admin:users", "admin:groups", "admin:servers", "tokens"]}}]
"""
        path = self.data_dir / "jupyterhub_config.py"
        path.write_text(config)
        return path

    def start(self, timeout_s: float = 60) -> "RunningHub":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        self.process = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(config)], cwd=self.data_dir,
            stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        self._wait(lambda: self.api("GET", "/").status_code == 200, timeout_s, "the Hub to answer")
        return self

    def _wait(self, condition, timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Hub exited with {self.process.returncode}:\n{self.log_path.read_text()[-4000:]}")
            try:
                if condition():
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"waited {timeout_s}s for {what}:\n{self.log_path.read_text()[-6000:]}")

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.url}/hub/api{path}", timeout=60,
                                headers={"Authorization": f"token {self.admin_token}"}, **kwargs)

    def spawn_all(self, timeout_s: float = 180) -> None:
        """Every user's server, started at once (the Hub spawns them concurrently)."""
        users = [name for members in GROUPS.values() for name in members]
        for name in users:
            response = self.api("POST", f"/users/{name}/server")
            assert response.status_code in (201, 202), response.text
        def ready(name: str) -> bool:
            server = self.api("GET", f"/users/{name}").json().get("servers", {}).get("")
            return bool(server and server.get("ready"))
        def engine_ready(name: str) -> bool:
            token = tokens.get(name) or tokens.setdefault(name, self.user_token(name))
            response = requests.get(f"{self.url}/user/{name}/stellascript/api/v1/health", timeout=60,
                                    headers={"Authorization": f"token {token}"})
            return response.status_code == 200 and response.json().get("engine") == "ready"
        tokens: dict[str, str] = {}
        with ThreadPoolExecutor(len(users)) as pool:
            list(pool.map(lambda name: self._wait(lambda: ready(name), timeout_s, f"{name}'s server"), users))
            # Then its container engine: the tests time requests, not a server's start.
            list(pool.map(lambda name: self._wait(lambda: engine_ready(name), timeout_s, f"{name}'s engine"), users))

    def user_token(self, name: str, scopes: list[str] | None = None) -> str:
        body = {"note": "stella live test"} | ({"scopes": scopes} if scopes is not None else {})
        response = self.api("POST", f"/users/{name}/tokens", json=body)
        assert response.status_code == 201, response.text
        return response.json()["token"]

    def set_group(self, group: str, add: list[str] = (), remove: list[str] = ()) -> None:
        if add:
            assert self.api("POST", f"/groups/{group}/users", json={"users": list(add)}).status_code == 200
        if remove:
            assert self.api("DELETE", f"/groups/{group}/users", json={"users": list(remove)}).status_code == 200

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            for name in (n for members in GROUPS.values() for n in members):
                self.api("DELETE", f"/users/{name}/server")
        stop_process_group(self.process)
