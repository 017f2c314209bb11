"""REST: /workflows (definitions and versions) and /workflows/runs (runs). Thin: parse, manager, serialize."""

from __future__ import annotations

import asyncio
import json

from tornado.iostream import StreamClosedError

from ..handlers.base import StellaHandler
from .schema import json_schema
from ..workspace import LocalEdits
from .files import WorkflowFiles
from .requests import (LocalRunBody, RerunBody, WorkflowCheckoutBody, WorkflowCreate, WorkflowRunBody, WorkflowSaveBody,
                       WorkflowUpdate)

_ID = r"(?P<{}>[^/]+)"


class _Workflows(StellaHandler):
    @property
    def store(self):
        return self.stella.workflows.store

    @property
    def runs(self):
        return self.stella.workflows.runs

    def wants_wait(self) -> bool:
        return self.get_query_argument("wait", "false").lower() in ("1", "true", "yes")

    async def accepted(self, run_id: str) -> None:
        """202 with the run's id, or with ?wait=true the finished run."""
        if self.wants_wait():
            await self.runs.wait(run_id)
            self.send_json(self.runs.get(self.caller, run_id))
            return
        self.set_header("Location", f"{self.base_url}stellascript/api/v1/workflows/runs/{run_id}")
        self.send_json({"run_id": run_id, "status": "Queued"}, status=202)


class WorkflowsHandler(_Workflows):
    def get(self) -> None:
        items, total = self.store.search(
            self.caller, text=self.get_query_argument("q", None) or self.get_query_argument("text", None),
            tags=self.get_query_arguments("tag") or None, visibility=self.get_query_argument("visibility", None),
            limit=self.query_int("limit", 50), offset=self.query_int("offset", 0))
        self.send_json({"items": items, "total": total})

    def post(self) -> None:
        self.send_json(self.store.create(self.caller, self.parse(WorkflowCreate)), status=201)


class WorkflowSchemaHandler(_Workflows):
    def get(self) -> None:
        self.set_header("Content-Type", "application/schema+json")
        self.finish(json.dumps(json_schema()))


class WorkflowHandler(_Workflows):
    def get(self, workflow_id: str) -> None:
        self.send_json(self.store.get(self.caller, workflow_id))

    def put(self, workflow_id: str) -> None:
        self.send_json(self.store.update(self.caller, workflow_id, self.parse(WorkflowUpdate)))

    def delete(self, workflow_id: str) -> None:
        self.store.delete(self.caller, workflow_id)
        self.set_status(204)
        self.finish()


class WorkflowVersionsHandler(_Workflows):
    def get(self, workflow_id: str) -> None:
        items = self.store.versions(self.caller, workflow_id)
        self.send_json({"items": items, "total": len(items)})


class WorkflowVersionHandler(_Workflows):
    def get(self, workflow_id: str, version: str) -> None:
        self.send_json(self.store.get(self.caller, workflow_id, version=version))


class WorkflowRunHandler(_Workflows):
    async def post(self, workflow_id: str) -> None:
        await self.accepted(self.runs.run_saved(self.caller, workflow_id, self.parse(WorkflowRunBody)))


class WorkflowPreloadHandler(_Workflows):
    async def post(self, workflow_id: str) -> None:
        """Compiles and image builds take a while: off the event loop."""
        caller, version = self.caller, self.get_query_argument("version", None)
        report = await asyncio.get_running_loop().run_in_executor(
            None, lambda: self.stella.workflows.preload(caller, workflow_id, version=version))
        self.send_json(report)


class RunsHandler(_Workflows):
    def get(self) -> None:
        items, total = self.runs.list(
            self.caller, workflow_id=self.get_query_argument("workflow_id", None),
            status=self.get_query_argument("status", None),
            limit=self.query_int("limit", 50), offset=self.query_int("offset", 0),
            requested_by=self.get_query_argument("requested_by", None),
            since=self.get_query_argument("since", None), until=self.get_query_argument("until", None),
            trigger=self.get_query_argument("trigger", None))
        self.send_json({"items": items, "total": total})

    async def post(self) -> None:
        """Run a definition sent with the request (LocalRunBody)."""
        await self.accepted(self.runs.run_local(self.caller, self.parse(LocalRunBody)))


class RunHandler(_Workflows):
    def get(self, run_id: str) -> None:
        self.send_json(self.runs.get(self.caller, run_id))


class RunCancelHandler(_Workflows):
    def post(self, run_id: str) -> None:
        self.send_json(self.runs.cancel(self.caller, run_id))


class RunRerunHandler(_Workflows):
    async def post(self, run_id: str) -> None:
        await self.accepted(self.runs.rerun(self.caller, run_id, self.parse(RerunBody)))


class RunEventsHandler(_Workflows):
    """Server-sent events: ``step`` (a step's state as it changes), ``execution`` (an attempt
    started), ``output`` (its live output), ``run`` (the run's status), then ``end`` with the run."""

    async def get(self, run_id: str) -> None:
        self.runs.get(self.caller, run_id)  # NotFound for what the caller may not see
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict] = asyncio.Queue()

        def listener(event: dict) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, event)

        backlog = self.runs.subscribe(run_id, listener)
        try:
            if backlog is not None:
                for event in backlog:
                    await self._event(event)
                while (event := await queue.get())["type"] != "end":
                    await self._event(event)
            await self._event({"type": "end", **self.runs.get(self.caller, run_id)})
        except StreamClosedError:
            pass  # the client went away
        finally:
            self.runs.unsubscribe(run_id, listener)
        self.finish()

    async def _event(self, event: dict) -> None:
        self.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n")
        await self.flush()


class _WorkflowFiles(_Workflows):
    @property
    def files(self) -> WorkflowFiles:
        return WorkflowFiles(self.settings["stellascript_workspace"], self.store)


class WorkflowFileHandler(_WorkflowFiles):
    def get(self) -> None:
        """The workflow a workspace file (?path=) belongs to."""
        self.send_json(self.files.describe(self.get_query_argument("path", "")))


class WorkflowCheckoutHandler(_WorkflowFiles):
    def post(self) -> None:
        body = self.parse(WorkflowCheckoutBody)
        try:
            self.send_json(self.files.checkout(self.caller, body.workflow_id, body.overwrite).to_dict())
        except LocalEdits as error:
            self.send_json({"status": 409, "message": str(error), "path": error.path}, status=409)


class WorkflowSaveHandler(_WorkflowFiles):
    def post(self) -> None:
        body = self.parse(WorkflowSaveBody)
        self.send_json(self.files.save(self.caller, body.path, body.version_bump.value))


def workflow_routes(prefix: str) -> list[tuple[str, type]]:
    workflow, run = _ID.format("workflow_id"), _ID.format("run_id")
    return [
        (rf"{prefix}/workflows/?", WorkflowsHandler),
        (rf"{prefix}/workspace/workflows/?", WorkflowFileHandler),
        (rf"{prefix}/workspace/workflows/checkout/?", WorkflowCheckoutHandler),
        (rf"{prefix}/workspace/workflows/save/?", WorkflowSaveHandler),
        (rf"{prefix}/workflows/schema/?", WorkflowSchemaHandler),
        (rf"{prefix}/workflows/runs/?", RunsHandler),
        (rf"{prefix}/workflows/runs/{run}/?", RunHandler),
        (rf"{prefix}/workflows/runs/{run}/events/?", RunEventsHandler),
        (rf"{prefix}/workflows/runs/{run}/cancel/?", RunCancelHandler),
        (rf"{prefix}/workflows/runs/{run}/rerun/?", RunRerunHandler),
        (rf"{prefix}/workflows/{workflow}/?", WorkflowHandler),
        (rf"{prefix}/workflows/{workflow}/versions/?", WorkflowVersionsHandler),
        (rf"{prefix}/workflows/{workflow}/versions/(?P<version>[^/]+)/?", WorkflowVersionHandler),
        (rf"{prefix}/workflows/{workflow}/run/?", WorkflowRunHandler),
        (rf"{prefix}/workflows/{workflow}/preload/?", WorkflowPreloadHandler),
    ]
