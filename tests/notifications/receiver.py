"""A real HTTP receiver on loopback that records what it is sent: it can answer with errors, or hang."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.failures_left = 0  # answer 500 this many times first
        self.hang = threading.Event()  # while set, requests get no answer until released
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append({"path": self.path, "body": json.loads(body or b"null"), "at": time.monotonic()})
                if receiver.hang.is_set():
                    receiver.released.wait(60)
                    return
                if receiver.failures_left > 0:
                    receiver.failures_left -= 1
                    self.send_response(500)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait_for(self, condition: Callable[[list[dict]], bool], timeout_s: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition(self.received):
                return self.received
            time.sleep(0.05)
        raise AssertionError(f"the receiver did not get what was expected in {timeout_s}s: {self.received}")

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
