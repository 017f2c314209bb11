"""What an editor has told a language server, kept so a replacement server can
be brought to the same state without the editor noticing.

JupyterLab's LSP client does not reconnect when a server's websocket closes,
so a server that dies is replaced behind the same websocket: the new process
gets the editor's ``initialize`` (under our own request id), ``initialized``,
its settings and every open document with its current text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

REPLAY_ID_PREFIX = "stellascript-restart-"


@dataclass
class OpenDocument:
    language_id: str
    version: int
    text: str


@dataclass
class ClientState:
    initialize_params: dict | None = None
    initialized: bool = False
    settings: Any = None
    documents: dict[str, OpenDocument] = field(default_factory=dict)

    def observe(self, message: dict) -> None:
        """Track one client → server message."""
        method, params = message.get("method"), message.get("params") or {}
        if method == "initialize":
            self.initialize_params = params
            self.initialized = False
            self.documents.clear()
        elif method == "initialized":
            self.initialized = True
        elif method == "workspace/didChangeConfiguration":
            self.settings = params.get("settings")
        elif method == "textDocument/didOpen":
            document = params["textDocument"]
            self.documents[document["uri"]] = OpenDocument(document["languageId"], document["version"], document["text"])
        elif method == "textDocument/didChange":
            document = self.documents.get(params["textDocument"]["uri"])
            if document is not None:
                for change in params.get("contentChanges", []):
                    document.text = apply_change(document.text, change)
                document.version = params["textDocument"].get("version", document.version)
        elif method == "textDocument/didClose":
            self.documents.pop(params["textDocument"]["uri"], None)

    def replay(self, restart_number: int) -> list[str]:
        """The messages that bring a fresh server to this state (empty when the
        editor never initialized the old one)."""
        if self.initialize_params is None:
            return []
        messages: list[dict] = [{"jsonrpc": "2.0", "id": f"{REPLAY_ID_PREFIX}{restart_number}",
                                 "method": "initialize", "params": self.initialize_params}]
        if self.initialized:
            messages.append({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        if self.settings is not None:
            messages.append({"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
                             "params": {"settings": self.settings}})
        for uri, document in self.documents.items():
            messages.append({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": uri, "languageId": document.language_id, "version": document.version, "text": document.text}}})
        return [json.dumps(message) for message in messages]


def apply_change(text: str, change: dict) -> str:
    """One TextDocumentContentChangeEvent: the whole text, or a range replaced.
    (Positions count UTF-16 code units; for text outside the BMP this is off
    by one per astral character before the position, like many servers.)"""
    if "range" not in change:
        return change["text"]
    start, end = (_offset(text, change["range"][key]) for key in ("start", "end"))
    return text[:start] + change["text"] + text[end:]


def _offset(text: str, position: dict) -> int:
    lines = text.splitlines(keepends=True)
    line = position["line"]
    if line >= len(lines):
        return len(text)
    return sum(len(previous) for previous in lines[:line]) + min(position["character"], len(lines[line].rstrip("\r\n")))
