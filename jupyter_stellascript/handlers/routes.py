"""URL patterns under ``{base_url}stellascript/api/v1/`` (the design's endpoints)."""

from __future__ import annotations

from .dependencies import ResolveHandler, SearchHandler
from .executions import CancelHandler, ExecuteHandler, ExecutionHandler, ExecutionsHandler, LogsHandler, SharingHandler
from .lsp import FormatHandler, LspStatusHandler
from .scripts import ScriptHandler, ScriptResolveHandler, ScriptsHandler, ScriptVersionHandler, ScriptVersionsHandler
from ..secrets.handlers import SecretHandler, SecretsHandler
from .service import HealthHandler, LanguagesHandler, MetricsHandler, OpenApiHandler
from ..workflows.handlers import workflow_routes
from ..samples.handlers import sample_routes
from ..schedules.handlers import schedule_routes
from ..notifications.handlers import notification_routes
from ..webhooks.handlers import webhook_routes
from ..queue.handlers import queue_routes
from .workspace import CheckoutHandler, SaveHandler, TemplatesHandler, WorkspaceHandler

API = "stellascript/api/v1"
# Any path segment: an id that is not a UUID reaches the handler, whose
# manager answers with a JSON 404, instead of tornado's HTML "not found" page.
_ID = r"(?P<{}>[^/]+)"


def routes(base_url: str) -> list[tuple[str, type]]:
    prefix = base_url.rstrip("/") + "/" + API
    script, execution = _ID.format("script_id"), _ID.format("execution_id")
    return [
        (rf"{prefix}/scripts/?", ScriptsHandler),
        (rf"{prefix}/scripts/executions/?", ExecutionsHandler),
        (rf"{prefix}/scripts/executions/{execution}/?", ExecutionHandler),
        (rf"{prefix}/scripts/executions/{execution}/logs/?", LogsHandler),
        (rf"{prefix}/scripts/executions/{execution}/cancel/?", CancelHandler),
        (rf"{prefix}/scripts/executions/{execution}/sharing/?", SharingHandler),
        (rf"{prefix}/scripts/resolve/?", ScriptResolveHandler),
        *sample_routes(prefix),
        (rf"{prefix}/scripts/{script}/?", ScriptHandler),
        (rf"{prefix}/scripts/{script}/versions/?", ScriptVersionsHandler),
        (rf"{prefix}/scripts/{script}/versions/(?P<version>[^/]+)/?", ScriptVersionHandler),
        (rf"{prefix}/scripts/{script}/execute/?", ExecuteHandler),
        (rf"{prefix}/secrets/?", SecretsHandler),
        (rf"{prefix}/secrets/(?P<name>[^/]+)/?", SecretHandler),
        (rf"{prefix}/dependencies/resolve/?", ResolveHandler),
        (rf"{prefix}/dependencies/search/?", SearchHandler),
        (rf"{prefix}/health/?", HealthHandler),
        (rf"{prefix}/languages/?", LanguagesHandler),
        (rf"{prefix}/openapi.json", OpenApiHandler),
        (rf"{prefix}/metrics/?", MetricsHandler),
        (rf"{prefix}/workspace/?", WorkspaceHandler),
        (rf"{prefix}/workspace/checkout/?", CheckoutHandler),
        (rf"{prefix}/workspace/save/?", SaveHandler),
        (rf"{prefix}/templates/?", TemplatesHandler),
        (rf"{prefix}/lsp/status/?", LspStatusHandler),
        (rf"{prefix}/format/?", FormatHandler),
        *workflow_routes(prefix),
        *schedule_routes(prefix),
        *webhook_routes(prefix),
        *notification_routes(prefix),
        *queue_routes(prefix),
    ]
