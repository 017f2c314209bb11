"""What every Stella Script handler shares: JSON in and out, errors as JSON,
the caller's identity, and a structured log line per request."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..auth import caller_for
from ..hub_identity import refresh_hub_user
from ..errors import RegistryError, Unauthenticated, ValidationFailed
from ..execution.fields import Model, parse
from ..identity import Caller
from .bodies import decode_object

if TYPE_CHECKING:
    from ..service import StellaScriptService

log = logging.getLogger("jupyter_stellascript.requests")


class StellaHandler(APIHandler):
    @property
    def stella(self) -> "StellaScriptService":
        return self.settings["stellascript"]

    @property
    def caller(self) -> Caller:
        if getattr(self, "_stellascript_bad_token", False):
            raise Unauthenticated("the API token is not valid")
        return caller_for(self.current_user)

    def check_xsrf_cookie(self) -> None:
        # XSRF protection guards the authority a browser's login cookie
        # carries. A request that identified no user carries none (the handler
        # answers 401 where it needs one), so it needs no XSRF token either.
        if hasattr(self, "_jupyter_current_user") and self._jupyter_current_user is None:
            return None
        return super().check_xsrf_cookie()

    async def prepare(self):
        self._started = time.monotonic()
        if any("\0" in part for part in (*self.path_args, *self.path_kwargs.values())):
            # No id or version holds one, and PostgreSQL cannot even be asked about it.
            raise web.HTTPError(404, "not found: no id or version contains a NUL character")
        identified = super().prepare()
        if identified is not None:
            await identified
        # Under JupyterHub: teams are the Hub's groups as of now, not as of login.
        await refresh_hub_user(self, self.stella.config.hub_groups_max_age)

    def on_finish(self) -> None:
        log.info(json.dumps({
            "event": "request", "method": self.request.method, "path": self.request.path,
            "status": self.get_status(), "duration_ms": round((time.monotonic() - getattr(self, "_started", time.monotonic())) * 1000, 1),
            # Not self.current_user: a request refused before prepare() (a 405) has none, and asking raises.
            "user": getattr(getattr(self, "_jupyter_current_user", None), "username", None),
        }))

    def json_body(self) -> dict[str, Any]:
        return decode_object(self.request.body) if self.request.body else {}

    def parse(self, model: type[Model]) -> Model:
        """The body as ``model``: validated once, here; a 400 lists every field's problem."""
        return parse(model, self.json_body())

    def send_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))

    def query_int(self, name: str, default: int) -> int:
        value = self.get_query_argument(name, None)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise ValidationFailed([{"field": name, "message": f"{name} must be an integer"}]) from None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        body: dict[str, Any] = {"status": status_code, "message": self._reason}
        if isinstance(error, web.HTTPError) and error.log_message:
            body["message"] = error.log_message % error.args if error.args else error.log_message
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def _handle_request_exception(self, error: BaseException) -> None:
        if isinstance(error, RegistryError):
            body: dict[str, Any] = {**error.details, "status": error.status, "message": str(error)}
            if isinstance(error, ValidationFailed):
                body["errors"] = error.errors
            if isinstance(error, Unauthenticated):
                self.set_header("WWW-Authenticate", 'token realm="stellascript"')
            self.set_status(error.status)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(body))
            return
        super()._handle_request_exception(error)
