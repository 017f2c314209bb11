"""Health, OpenAPI description, languages and Prometheus metrics."""

from __future__ import annotations

import json
from importlib import resources

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..auth import caller_for
from ..languages import LANGUAGES
from .base import StellaHandler


class HealthHandler(StellaHandler):
    def get(self) -> None:
        # Who the server takes the caller to be (null: anonymous, or a token it
        # does not know); health itself answers everyone.
        caller = None if getattr(self, "_stellascript_bad_token", False) else caller_for(self.current_user)
        who = {"name": caller.name, "teams": sorted(caller.teams), "admin": caller.admin} if caller and caller.authenticated else None
        self.send_json({**self.stella.health(), "caller": who})


class LanguagesHandler(StellaHandler):
    def get(self) -> None:
        self.send_json({"items": [
            {"name": language.name, "display_name": language.display_name, "extensions": list(language.extensions),
             "default_timeout": language.default_timeout_s, "default_limits": language.default_limits.to_dict(),
             # The editor registers its file types from these (no table of its own).
             "file_type": language.file_type.to_dict(language.extensions),
             "read_arguments": language.read_arguments}
            for language in LANGUAGES.values()
        ]})


class OpenApiHandler(StellaHandler):
    def get(self) -> None:
        spec = json.loads(resources.files("jupyter_stellascript").joinpath("openapi.json").read_text(encoding="utf-8"))
        spec["servers"] = [{"url": f"{self.base_url}stellascript/api/v1"}]
        self.send_json(spec)


class MetricsHandler(StellaHandler):
    def get(self) -> None:
        # APIHandler.finish would label it application/json, which Prometheus 3 refuses to scrape.
        self.finish(generate_latest(), set_content_type=CONTENT_TYPE_LATEST)
