"""``stellascript serve``: a Jupyter server with only this extension and no UI
(kernel-gateway style), for CI systems and other headless clients.

Identities come from Stella Script's API tokens (``Authorization: token T``);
anonymous callers may read and run public scripts. Cookies are not used, so
there is no cross-site request forgery to guard against.
"""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_server.serverapp import ServerApp
from traitlets.config import Config

from .paths import data_dir


def headless_config(port: int, ip: str) -> Config:
    config = Config()
    config.ServerApp.port = port
    config.ServerApp.port_retries = 0
    config.ServerApp.ip = ip
    config.ServerApp.open_browser = False
    config.ServerApp.root_dir = str(data_dir())
    config.ServerApp.identity_provider_class = "jupyter_stellascript.auth.TokenIdentityProvider"
    # Programs authenticate with a token header (no XSRF check applies); a
    # browser that logged in with a token holds a cookie, which XSRF guards.
    config.ServerApp.allow_unauthenticated_access = True
    # Containers and CI machines often run as root; the server's own powers
    # don't reach scripts, which run as an unprivileged user in containers.
    config.ServerApp.allow_root = os.geteuid() == 0
    return config


class HeadlessServerApp(ServerApp):
    """Loads only Stella Script, whatever else is installed."""

    def find_server_extensions(self) -> None:
        super().find_server_extensions()
        self.jpserver_extensions = {name: name == "jupyter_stellascript" for name in self.jpserver_extensions}
        self.jpserver_extensions["jupyter_stellascript"] = True


def serve_headless(port: int, ip: str, config_file: Path | None = None) -> None:
    config = headless_config(port, ip)
    argv = []
    if config_file is not None:
        argv = [f"--config={config_file}"]
    HeadlessServerApp.launch_instance(argv=argv, config=config)
