"""/scripts/{id}/execute and /scripts/executions: running scripts and their records."""

from __future__ import annotations

import asyncio
import json

from tornado.iostream import StreamClosedError

from ..execution.filters import ExecutionFilters, trigger_of
from ..execution.output_log import PLATFORM, interleave
from ..execution.requests import AdhocBody, ExecuteBody
from ..execution.sharing import SharingBody
from .base import StellaHandler


class _Submitting(StellaHandler):
    @property
    def trigger(self) -> str:
        return trigger_of(self.request.headers.get("X-StellaScript-Trigger"))
    async def accepted(self, execution_id: str) -> None:
        """202 with the new execution's id, or with ?wait=true its finished record."""
        manager = self.stella.executions
        if self.get_query_argument("wait", "false").lower() in ("1", "true", "yes"):
            await manager.wait(execution_id)
            self.send_json(manager.get(self.caller, execution_id))
            return
        self.set_header("Location", f"{self.base_url}stellascript/api/v1/scripts/executions/{execution_id}")
        self.send_json({"execution_id": execution_id, "status": "Queued"}, status=202)


class ExecuteHandler(_Submitting):
    async def post(self, script_id: str) -> None:
        await self.accepted(self.stella.executions.submit(self.caller, script_id, self.parse(ExecuteBody), self.trigger))


class ExecutionsHandler(_Submitting):
    async def post(self) -> None:
        """An ad-hoc run (AdhocBody)."""
        manager, caller = self.stella.executions, self.caller
        manager.require_adhoc_caller(caller)  # 401 before the body is looked at
        await self.accepted(manager.submit_adhoc(caller, self.parse(AdhocBody), self.trigger))

    def get(self) -> None:
        query = {name: self.get_query_argument(name, None) for name in ("script_id", "status", "requested_by", "trigger", "since", "until")}
        items, total = self.stella.executions.list(
            self.caller,
            limit=self.query_int("limit", 50),
            offset=self.query_int("offset", 0),
            filters=ExecutionFilters.parse(**query),
        )
        self.send_json({"items": items, "total": total})


class ExecutionHandler(StellaHandler):
    def get(self, execution_id: str) -> None:
        self.send_json(self.stella.executions.get(self.caller, execution_id))


class SharingHandler(StellaHandler):
    """Who besides its starter may read an execution (execution/sharing.py)."""

    def get(self, execution_id: str) -> None:
        self.send_json(self.stella.executions.sharing.get(self.caller, execution_id))

    def put(self, execution_id: str) -> None:
        self.send_json(self.stella.executions.sharing.replace(self.caller, execution_id, self.parse(SharingBody)))


class CancelHandler(StellaHandler):
    def post(self, execution_id: str) -> None:
        self.send_json(self.stella.executions.cancel(self.caller, execution_id))


class LogsHandler(StellaHandler):
    """Server-sent events: output as it is written, then an ``end`` event.

    A finished execution replays its stored output. Clients that cannot read
    SSE may ask for ``?follow=false`` and get the stored output as JSON.
    Both are for whoever may read the whole record (execution/visibility.py).
    """

    async def get(self, execution_id: str) -> None:
        manager = self.stella.executions
        record = manager.output(self.caller, execution_id)  # only who may read the run's output
        if self.get_query_argument("follow", "true").lower() in ("0", "false", "no"):
            self.send_json({"stdout": record["stdout"], "stderr": record["stderr"], "status": record["status"],
                            "platform": record["platform"], "output_order": record["output_order"]})
            return
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

        def listener(stream: str, text: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, (stream, text))

        backlog = manager.subscribe(execution_id, listener)
        try:
            if backlog is None:
                # Finished: read it again, it may have ended after the visibility check.
                record = manager.output(self.caller, execution_id)
                if record["platform"]:
                    await self._event(PLATFORM, record["platform"])
                for stream, text in interleave(record["stdout"], record["stderr"], record["output_order"]):
                    await self._event(stream, text)
            else:
                for stream, text in backlog:
                    await self._event(stream, text)
                while True:
                    stream, text = await queue.get()
                    if stream == "end":
                        break
                    await self._event(stream, text)
            final = manager.get(self.caller, execution_id)
            await self._event("end", json.dumps({"status": final["status"], "exit_code": final["exit_code"]}))
        except StreamClosedError:
            pass  # the client went away; nothing to send it
        finally:
            manager.unsubscribe(execution_id, listener)
        self.finish()

    async def _event(self, name: str, data: str) -> None:
        # id: the event's place in the run's output (stdout, stderr and
        # platform events share one sequence), the same on every replay.
        self._sequence = getattr(self, "_sequence", 0) + 1
        lines = "".join(f"data: {line}\n" for line in data.split("\n"))
        self.write(f"id: {self._sequence}\nevent: {name}\n{lines}\n")
        await self.flush()
