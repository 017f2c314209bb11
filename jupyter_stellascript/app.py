"""The Jupyter server extension: ``jupyter_stellascript`` inside JupyterLab or headless."""

from __future__ import annotations

import logging
from pathlib import Path

from jupyter_server.extension.application import ExtensionApp
from traitlets import TraitError

from . import http_limits, logging_redaction, structured_logs
from .config import StellaScript
from .handlers import routes
from .lsp import servers as lsp_servers
from .secrets.crypto import SecretKeyError
from .service import StellaScriptService
from .workspace import DEFAULT_FOLDER, Workspace


class StellaScriptApp(ExtensionApp):
    name = "jupyter_stellascript"
    description = "Stella Script: a versioned script registry and sandboxed execution API"
    classes = [StellaScript]

    def initialize_settings(self) -> None:
        try:
            self.stella_config = StellaScript(parent=self.serverapp, config=self.config)
            self.stella_config.check()
        except TraitError as error:
            # Jupyter logs a failing extension and serves on without it; a
            # server with a broken configuration must not look healthy.
            self.log.critical("Stella Script cannot start: %s", error)
            raise SystemExit(f"stellascript: invalid configuration: {error}") from None
        structured_logs.install(self.stella_config.log_level)
        # Before anything can log a request: no token in the server's log.
        logging_redaction.install([self.serverapp.log, self.log, logging.getLogger(structured_logs.PACKAGE_LOGGER)],
                                  keep=getattr(self.serverapp.identity_provider, "token", "") or "")
        try:
            self.service = StellaScriptService(self.stella_config)
        except SecretKeyError as error:
            self.log.critical("Stella Script cannot start: %s", error)
            raise SystemExit(f"stellascript: cannot start: {error}") from None
        identity = self.serverapp.identity_provider
        if hasattr(identity, "sessions") and getattr(identity, "sessions", None) is None:
            identity.sessions = self.service.sessions
        root_dir = Path(self.serverapp.root_dir)
        workspace_dir = Path(self.stella_config.workspace_dir) if self.stella_config.workspace_dir else root_dir / DEFAULT_FOLDER
        try:
            workspace = Workspace(root_dir, workspace_dir, self.service.registry)
        except ValueError as error:
            self.log.critical("Stella Script cannot start: StellaScript.workspace_dir: %s", error)
            raise SystemExit(f"stellascript: invalid configuration: StellaScript.workspace_dir: {error}") from None
        self.settings.update({"stellascript": self.service, "stellascript_workspace": workspace})
        # Links in notifications point at this server.
        self.service.notifier.base_url = self.stella_config.public_url or self.serverapp.connection_url
        # Language servers for the editor, when jupyter-lsp is loaded (JupyterLab).
        self.settings["stellascript_lsp_watch"] = lsp_servers.attach(self.serverapp)

    def initialize_handlers(self) -> None:
        # Relative to "/": ExtensionApp prepends the server's base_url itself
        # (under JupyterHub /user/<name>/; passing it here doubled it).
        self.handlers.extend(routes("/"))

    async def _start_jupyter_server_extension(self, serverapp) -> None:
        # The HTTPServer is made after extensions load; this hook runs once it exists.
        http_limits.install(serverapp.http_server)

    async def stop_extension(self) -> None:
        lsp_servers.detach(self.settings.get("stellascript_lsp_watch"))
        self.service.close()
