"""A real HTTP service on loopback for the HTTP samples: health and status
endpoints, a small items API (and a broken twin), log files, JSON documents
and a backup folder served as a directory listing — Python's http.server,
recording what it was sent."""

from __future__ import annotations

import functools
import http.server
import json
import socket
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

TOKEN = "svc-t0ken-5ecret"
HEALTH_BODY = {"status": "ok", "version": "1.4.2"}


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpTarget:
    port: int
    files_port: int
    closed_port: int
    files: Path
    requests: list[Seen] = field(default_factory=list)
    items: dict[str, dict] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def files_url(self) -> str:
        return f"http://127.0.0.1:{self.files_port}"

    def seen(self, path: str) -> list[Seen]:
        return [request for request in self.requests if request.path == path]


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes:
    /health                    200 {"status": "ok", ...}
    /degraded/health           503 {"status": "degraded"}
    /down/health               200 {"status": "DOWN"}
    /status/<code>             that status, a JSON body
    /slow?ms=N                 200 after N ms
    /html                      200 text/html
    /secure                    200 with "Authorization: Bearer TOKEN", else 401
    /items, /items/<id>        a working items API (POST 201, GET, DELETE 204, 404 when gone)
    /broken/items...           the same API answering created_at as a number and ids it cannot read back
    /documents/<name>          a text set in ``documents`` (logs, JSON), 404 when unset
    anything else              404
    """

    protocol_version = "HTTP/1.1"
    target: HttpTarget

    def _record(self) -> tuple[urllib.parse.SplitResult, bytes]:
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.target.requests.append(Seen(self.command, url.path, {k.lower(): v for k, v in self.headers.items()}, body))
        return url, body

    def do_GET(self) -> None:
        url, _ = self._record()
        path = url.path
        if path == "/health":
            self.answer(200, HEALTH_BODY)
        elif path == "/degraded/health":
            self.answer(503, {"status": "degraded"})
        elif path == "/down/health":
            self.answer(200, {"status": "DOWN"})
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self.answer(code, {"status": code})
        elif path == "/slow":
            time.sleep(int(urllib.parse.parse_qs(url.query).get("ms", ["1000"])[0]) / 1000)
            self.answer(200, {"slow": True})
        elif path == "/html":
            self.answer(200, "<p>not json</p>", "text/html; charset=utf-8")
        elif path == "/secure":
            ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
            self.answer(200 if ok else 401, {"user": "ci"} if ok else {"error": "unauthorized"})
        elif path.startswith("/documents/") and path.removeprefix("/documents/") in self.target.documents:
            self.answer(200, self.target.documents[path.removeprefix("/documents/")], "text/plain; charset=utf-8")
        elif path.rstrip("/") in ("/items", "/broken/items"):
            self.answer(200, list(self.target.items.values()))
        elif self.item_id(path) is not None:
            item = self.target.items.get(self.item_id(path))
            if item is None or path.startswith("/broken/"):
                self.answer(404, {"error": "no such item"})
            else:
                self.answer(200, item)
        else:
            self.answer(404, {"error": "not found"})

    def do_POST(self) -> None:
        url, body = self._record()
        if url.path.rstrip("/") not in ("/items", "/broken/items"):
            self.answer(404, {"error": "not found"})
            return
        name = json.loads(body or b"{}").get("name")
        if not isinstance(name, str):
            self.answer(422, {"error": "name is required"})
            return
        item = {"id": uuid.uuid4().hex[:12], "name": name, "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}
        self.target.items[item["id"]] = item
        broken = url.path.startswith("/broken/")
        self.answer(201, {**item, "created_at": time.time()} if broken else item)

    def do_DELETE(self) -> None:
        url, _ = self._record()
        item_id = self.item_id(url.path)
        if item_id is None or self.target.items.pop(item_id, None) is None:
            self.answer(404, {"error": "no such item"})
        else:
            self.answer(204, None)

    @staticmethod
    def item_id(path: str) -> str | None:
        parts = path.strip("/").split("/")
        if parts[:1] == ["broken"]:
            parts = parts[1:]
        return parts[1] if len(parts) == 2 and parts[0] == "items" else None

    def answer(self, code: int, body: object, content_type: str = "application/json") -> None:
        data = b"" if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(code)
        if body is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # clients that time out hang up on slow routes; that is expected


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(server: http.server.HTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@contextmanager
def http_target(files: Path) -> Iterator[HttpTarget]:
    """The service, a file server for ``files`` (a directory listing per folder) and a closed port."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connecting is refused
    target = HttpTarget(0, 0, closed.getsockname()[1], files)
    api = QuietServer(("127.0.0.1", 0), type("BoundHandler", (Handler,), {"target": target}))
    file_server = QuietServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=str(files)))
    target.port, target.files_port = api.server_address[1], file_server.server_address[1]
    serve(api), serve(file_server)
    try:
        yield target
    finally:
        for server in (api, file_server):
            server.shutdown()
            server.server_close()
        closed.close()
