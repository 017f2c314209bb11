"""/lsp/status: which language server serves each language (and what is
missing); /format: a script formatted by its language's formatter."""

from __future__ import annotations

from tornado import web
from tornado.ioloop import IOLoop

from ..languages import UnknownLanguage
from ..lsp import formatting, servers
from ..registry.errors import ValidationFailed
from .base import StellaHandler


class LspStatusHandler(StellaHandler):
    @web.authenticated
    async def get(self) -> None:
        manager = getattr(self.serverapp, "language_server_manager", None)
        if manager is not None:
            await manager.ready()  # its specs are collected after start-up
        self.send_json(servers.status(manager, self.settings.get("stellascript_lsp_watch")))


class FormatHandler(StellaHandler):
    @web.authenticated
    async def post(self) -> None:
        body = self.json_body()
        language, source, entry_point = body.get("language"), body.get("source"), body.get("entry_point")
        problems = []
        if not isinstance(language, str) or not language:
            problems.append({"field": "language", "message": "language is required (e.g. python, go, java)"})
        if not isinstance(source, str):
            problems.append({"field": "source", "message": "source is required: the script's text"})
        if entry_point is not None and not isinstance(entry_point, str):
            problems.append({"field": "entry_point", "message": "entry_point must be a file name such as main.go"})
        if problems:
            raise ValidationFailed(problems)
        try:
            # Formatters are processes (a JVM for Java): keep the event loop free.
            formatted = await IOLoop.current().run_in_executor(
                None, formatting.format_source, language, source, entry_point)
        except UnknownLanguage as error:
            raise ValidationFailed([{"field": "language", "message": str(error)}]) from None
        except formatting.InvalidEntryPoint as error:
            raise ValidationFailed([{"field": "entry_point", "message": str(error)}]) from None
        except formatting.FormatError as error:
            self.send_json({"status": 422, "message": str(error)}, status=422)
            return
        except formatting.FormatterMissing as error:
            self.send_json({"status": 503, "message": str(error)}, status=503)
            return
        self.send_json({"source": formatted, "changed": formatted != source})
