"""/scripts: the registry's REST endpoints."""

from __future__ import annotations

from ..registry.requests import ScriptCreate, ScriptUpdate
from .base import StellaHandler


class ScriptsHandler(StellaHandler):
    def get(self) -> None:
        tags = [t for t in self.get_query_arguments("tag") + (self.get_query_argument("tags", "") or "").split(",") if t]
        items, total = self.stella.registry.search(
            self.caller,
            text=self.get_query_argument("q", None) or self.get_query_argument("text", None),
            language=self.get_query_argument("language", None),
            tags=tags or None,
            visibility=self.get_query_argument("visibility", None),
            limit=self.query_int("limit", 50),
            offset=self.query_int("offset", 0),
        )
        self.send_json({"items": items, "total": total})

    def post(self) -> None:
        script = self.stella.registry.create(self.caller, self.parse(ScriptCreate))
        self.set_header("Location", f"{self.request.path.rstrip('/')}/{script['id']}")
        self.set_header("ETag", f'"{script["version"]}"')
        self.send_json(script, status=201)


class ScriptResolveHandler(StellaHandler):
    def get(self) -> None:
        """GET scripts/resolve?ref=<id | name | owner/name>: the one script it names (registry/references.py)."""
        self.send_json(self.stella.registry.resolve(self.caller, self.get_query_argument("ref", "")))


class ScriptHandler(StellaHandler):
    def get(self, script_id: str) -> None:
        script = self.stella.registry.get(self.caller, script_id)
        self.set_header("ETag", f'"{script["version"]}"')
        self.send_json(script)

    def put(self, script_id: str) -> None:
        expected = _version_from_if_match(self.request.headers.get("If-Match"))
        script = self.stella.registry.update(self.caller, script_id, self.parse(ScriptUpdate), expected_version=expected)
        self.set_header("ETag", f'"{script["version"]}"')
        self.send_json(script)

    def delete(self, script_id: str) -> None:
        self.stella.registry.delete(self.caller, script_id)
        self.set_status(204)
        self.finish()


def _version_from_if_match(header: str | None) -> str | None:
    """The version an If-Match header expects; None for no header or ``*``.

    ETags here are versions ("1.2.3"); weak ones (W/"1.2.3") mean the same.
    """
    value = (header or "").strip()
    if not value or value == "*":
        return None
    return value.removeprefix("W/").strip('"') or None


class ScriptVersionsHandler(StellaHandler):
    def get(self, script_id: str) -> None:
        self.send_json({"items": self.stella.registry.versions(self.caller, script_id)})


class ScriptVersionHandler(StellaHandler):
    def get(self, script_id: str, version: str) -> None:
        self.send_json(self.stella.registry.get(self.caller, script_id, version=version))
