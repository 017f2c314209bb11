"""The Jupyter server extension: ``jupyter_stellascript`` inside JupyterLab or headless."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp
from traitlets import TraitError

from .config import StellaScript
from .handlers import routes
from .service import StellaScriptService


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
        self.service = StellaScriptService(self.stella_config)
        identity = self.serverapp.identity_provider
        if hasattr(identity, "sessions") and getattr(identity, "sessions", None) is None:
            identity.sessions = self.service.sessions
        self.settings.update({"stellascript": self.service})

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes(self.serverapp.base_url))

    async def stop_extension(self) -> None:
        self.service.close()
