"""A minimal LSP client speaking to jupyter-lsp's websocket, as jupyterlab-lsp
does in the browser: JSON-RPC messages, one per websocket frame."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

# What jupyterlab-lsp announces, trimmed to the features the tests use.
CLIENT_CAPABILITIES = {
    "textDocument": {
        "synchronization": {"didSave": True, "dynamicRegistration": True},
        "completion": {"completionItem": {"snippetSupport": False, "documentationFormat": ["markdown", "plaintext"]},
                       "contextSupport": True},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "signatureHelp": {"signatureInformation": {"documentationFormat": ["markdown", "plaintext"],
                                                   "parameterInformation": {"labelOffsetSupport": True}}},
        "publishDiagnostics": {"relatedInformation": True},
    },
    "workspace": {"configuration": True, "workspaceFolders": True, "didChangeConfiguration": {"dynamicRegistration": True}},
    "window": {"workDoneProgress": True},
}


class LspError(AssertionError):
    pass


class LspClient:
    def __init__(self, connection: WebSocketClientConnection) -> None:
        self.connection = connection
        self.next_id = 0
        self.responses: dict[int, asyncio.Future] = {}
        self.diagnostics: dict[str, list[dict]] = {}
        self.diagnostics_changed = asyncio.Event()
        self.log: list[dict] = []
        self.settings: dict[str, Any] = {}
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, ws_url: str, token: str) -> "LspClient":
        request = HTTPRequest(ws_url, headers={"Authorization": f"token {token}"})
        return cls(await websocket_connect(request, max_message_size=64 * 1024 * 1024))

    async def _read(self) -> None:
        while True:
            raw = await self.connection.read_message()
            if raw is None:
                for future in self.responses.values():
                    if not future.done():
                        future.set_exception(LspError(f"the websocket closed: {self.connection.close_code} "
                                                      f"{self.connection.close_reason}"))
                return
            message = json.loads(raw)
            if "id" in message and "method" in message:
                await self._answer_server_request(message)
            elif "id" in message:
                future = self.responses.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message)
            elif message.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
                self.diagnostics_changed.set()
            else:
                self.log.append(message)

    async def _answer_server_request(self, message: dict) -> None:
        # Servers ask for settings, progress tokens and dynamic registrations;
        # settings come from the server's spec, like jupyterlab-lsp's.
        if message["method"] == "workspace/configuration":
            result: Any = [self.setting(item.get("section")) for item in message["params"]["items"]]
        else:
            result = None
        await self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def setting(self, section: str | None) -> Any:
        value: Any = self.settings
        for key in (section.split(".") if section else []):
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return value

    async def send(self, message: dict) -> None:
        await self.connection.write_message(json.dumps(message))

    async def request(self, method: str, params: Any, timeout_s: float = 60) -> Any:
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.responses[self.next_id] = future
        await self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        reply = await asyncio.wait_for(future, timeout_s)
        if "error" in reply:
            raise LspError(f"{method}: {reply['error']}")
        return reply.get("result")

    async def notify(self, method: str, params: Any) -> None:
        await self.send({"jsonrpc": "2.0", "method": method, "params": params})

    async def initialize(self, root: Path, settings: dict | None = None, timeout_s: float = 60) -> dict:
        """initialize / initialized, then the settings (the spec's
        workspace_configuration) as jupyterlab-lsp sends them."""
        self.settings = settings or {}
        result = await self.request("initialize", {
            "processId": None, "rootUri": root.as_uri(), "rootPath": str(root),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": CLIENT_CAPABILITIES,
        }, timeout_s=timeout_s)
        await self.notify("initialized", {})
        await self.notify("workspace/didChangeConfiguration", {"settings": self.settings})
        return result

    async def open(self, path: Path, language_id: str) -> str:
        uri = path.as_uri()
        await self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language_id, "version": 1, "text": path.read_text()}})
        return uri

    async def change(self, uri: str, text: str, version: int) -> None:
        await self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"text": text}]})

    async def completion_labels(self, uri: str, line: int, character: int, timeout_s: float = 60) -> list[str]:
        result = await self.request("textDocument/completion", {
            "textDocument": {"uri": uri}, "position": {"line": line, "character": character},
            "context": {"triggerKind": 2, "triggerCharacter": "."}}, timeout_s=timeout_s)
        items = result.get("items", []) if isinstance(result, dict) else (result or [])
        return [item["label"].strip() for item in items]

    async def hover_text(self, uri: str, line: int, character: int, timeout_s: float = 60) -> str:
        result = await self.request("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": {"line": line, "character": character}}, timeout_s=timeout_s)
        if not result:
            return ""
        contents = result["contents"]
        parts = contents if isinstance(contents, list) else [contents]
        return "\n".join(part if isinstance(part, str) else part.get("value", "") for part in parts)

    async def signature_labels(self, uri: str, line: int, character: int, timeout_s: float = 60) -> list[str]:
        result = await self.request("textDocument/signatureHelp", {
            "textDocument": {"uri": uri}, "position": {"line": line, "character": character}}, timeout_s=timeout_s)
        return [signature["label"] for signature in (result or {}).get("signatures", [])]

    async def wait_for_diagnostics(self, uri: str, predicate, timeout_s: float = 60) -> list[dict]:
        """The first diagnostics published for ``uri`` that satisfy ``predicate``."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            current = self.diagnostics.get(uri)
            if current is not None and predicate(current):
                return current
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise LspError(f"no matching diagnostics for {uri} within {timeout_s} s; last: {current}")
            self.diagnostics_changed.clear()
            try:
                await asyncio.wait_for(self.diagnostics_changed.wait(), remaining)
            except asyncio.TimeoutError:
                continue

    async def close(self) -> None:
        # Closing the websocket is what a browser tab does; jupyter-lsp stops
        # the server when its last listener leaves.
        self.connection.close()
        self.reader.cancel()
