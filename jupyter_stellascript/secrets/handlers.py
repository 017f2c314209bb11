"""/secrets: the secret store's REST endpoints. No answer ever holds a value."""

from __future__ import annotations

from ..handlers.base import StellaHandler
from .models import SecretCreate, SecretReplace


class SecretsHandler(StellaHandler):
    def get(self) -> None:
        self.send_json({"items": self.stella.secrets.list(self.caller)})

    def post(self) -> None:
        secret = self.stella.secrets.create(self.caller, self.parse(SecretCreate))
        self.set_header("Location", f"{self.request.path.rstrip('/')}/{secret['name']}")
        self.send_json(secret, status=201)


class SecretHandler(StellaHandler):
    """``{name}`` is a name or owner/name (the slash sent as %2F; tornado decodes it)."""

    def get(self, name: str) -> None:
        self.send_json(self.stella.secrets.get(self.caller, name))

    def put(self, name: str) -> None:
        self.send_json(self.stella.secrets.replace(self.caller, name, self.parse(SecretReplace)))

    def delete(self, name: str) -> None:
        self.stella.secrets.delete(self.caller, name)
        self.set_status(204)
        self.finish()
