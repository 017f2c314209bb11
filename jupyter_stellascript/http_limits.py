"""Oversized request lines and headers get an answer (414, 431), not a closed connection.

Tornado reads a request's head up to ``max_header_size`` (64 KiB by default)
and, past it, closes the connection without a word: a client with a long URL
or a huge Authorization header cannot tell that from a crash. Here tornado
reads heads up to a larger hard limit, and a delegate in front of the
application answers 414 URI Too Long or 431 Request Header Fields Too Large
for a head above the limits every client should keep to. Only a head above
the hard limit is still cut off (a client sending a megabyte of headers is
not one to answer).

Installed on the server's HTTPServer once it exists (StellaScriptApp's start
hook), so JupyterLab and ``stellascript serve`` behave the same.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable

from tornado import httputil
from tornado.httpserver import HTTPServer

KIB = 1024
# The request line's target (path and query). Browsers and proxies keep to 8 KiB; no API URL comes near.
MAX_URL_BYTES = 16 * KIB
# Every header line together: tornado's own limit for the whole head until now.
MAX_HEADER_BYTES = 64 * KIB
# What tornado reads before giving up on a head; room for the two limits above and a little more.
HARD_HEAD_BYTES = MAX_URL_BYTES + MAX_HEADER_BYTES + 192 * KIB


def install(server: HTTPServer) -> None:
    """Answer oversized heads on ``server`` (idempotent)."""
    if isinstance(server.request_callback, HeadSizeLimits):
        return
    server.request_callback = HeadSizeLimits(server.request_callback)
    # Read by each new connection; a copy leaves every other setting as jupyter_server made it.
    params = copy.copy(server.conn_params)
    params.max_header_size = HARD_HEAD_BYTES
    server.conn_params = params


def head_problem(start_line: httputil.RequestStartLine, headers: httputil.HTTPHeaders) -> tuple[int, str, str] | None:
    """(status, reason, message) for a head over the limits, else None."""
    url_bytes = len(start_line.path.encode("latin-1", "replace"))
    if url_bytes > MAX_URL_BYTES:
        return 414, "URI Too Long", f"the URL is {url_bytes} bytes long; at most {MAX_URL_BYTES} are accepted"
    header_bytes = sum(len(name) + len(value) + 4 for name, value in headers.get_all())  # "name: value\r\n"
    if header_bytes > MAX_HEADER_BYTES:
        return 431, "Request Header Fields Too Large", (
            f"the request headers are {header_bytes} bytes long; at most {MAX_HEADER_BYTES} are accepted")
    return None


class HeadSizeLimits(httputil.HTTPServerConnectionDelegate):
    """The application behind it, with heads over the limits answered here."""

    def __init__(self, application: httputil.HTTPServerConnectionDelegate) -> None:
        self.application = application

    def start_request(self, server_conn: object, request_conn: httputil.HTTPConnection) -> httputil.HTTPMessageDelegate:
        return _CheckedRequest(self.application.start_request(server_conn, request_conn), request_conn)

    def on_close(self, server_conn: object) -> None:
        self.application.on_close(server_conn)


class _CheckedRequest(httputil.HTTPMessageDelegate):
    def __init__(self, delegate: httputil.HTTPMessageDelegate, connection: httputil.HTTPConnection) -> None:
        self.delegate = delegate
        self.connection = connection
        self.refused = False

    def headers_received(self, start_line, headers) -> Awaitable[None] | None:
        problem = head_problem(start_line, headers) if isinstance(start_line, httputil.RequestStartLine) else None
        if problem is None:
            return self.delegate.headers_received(start_line, headers)
        self.refused = True
        status, reason, message = problem
        body = json.dumps({"status": status, "message": message}).encode()
        # The connection is closed after the answer: what follows the head is not read as a request.
        response_headers = httputil.HTTPHeaders({"Content-Type": "application/json", "Content-Length": str(len(body)),
                                                 "Connection": "close"})
        self.connection.write_headers(httputil.ResponseStartLine("HTTP/1.1", status, reason), response_headers, body)
        self.connection.finish()
        return None

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return None if self.refused else self.delegate.data_received(chunk)

    def finish(self) -> None:
        if not self.refused:
            self.delegate.finish()

    def on_connection_close(self) -> None:
        if not self.refused:
            self.delegate.on_connection_close()
