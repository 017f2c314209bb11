"""No token, Authorization or Cookie value in any line the server logs.

A real server at DEBUG level gets requests carrying tokens (in the URL and
in headers) that end in 404, 400, 401, 405 and an error path; its whole log
file must then hold none of them. Tornado's "Uncaught exception" line and
request dump are checked on a real tornado application whose handler
raises, through the same filter.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
from pathlib import Path

import requests
from tornado import httpclient, web
from tornado.httpserver import HTTPServer

from jupyter_stellascript import logging_redaction
from tests.servers import RunningServer, free_port


class DebugServer(RunningServer):
    """Logs everything Jupyter and tornado can log."""

    def _write_config(self) -> Path:
        path = super()._write_config()
        path.write_text(path.read_text() + "c.ServerApp.log_level = 'DEBUG'\nc.Application.log_level = 'DEBUG'\n")
        return path


def test_tokens_never_reach_the_server_log(tmp_path, runtime_images):
    server = DebugServer(tmp_path / "data", settings={"pool_sizes": {}}).start()
    try:
        valid = server.token("logged-user")
        wrong_in_url = "sst_" + uuid.uuid4().hex  # well-formed, never issued
        wrong_in_header = f"not-a-token-{uuid.uuid4().hex}"
        cookie = f"cookie-secret-{uuid.uuid4().hex}"
        api, base = server.url, f"http://127.0.0.1:{server.port}/"
        answers = {
            "404": requests.get(f"{api}/no-such-endpoint", params={"token": valid}, timeout=30),
            "400 paging": requests.get(f"{api}/scripts", params={"token": valid, "offset": "-5"}, timeout=30),
            "400 body": requests.post(f"{api}/scripts", params={"token": valid}, data=b"{not json",
                                      headers={"Content-Type": "application/json"}, timeout=30),
            "401 url": requests.get(f"{api}/scripts", params={"token": wrong_in_url}, timeout=30),
            "401 header": requests.get(f"{api}/scripts", headers={"Authorization": f"token {wrong_in_header}"}, timeout=30),
            "405": requests.delete(f"{api}/health", params={"token": valid}, timeout=30),
            # A 500 before issue 11's validation work (language must be a string), a 400 after.
            "error path": requests.post(f"{api}/scripts", params={"token": valid}, timeout=30,
                                        json={"name": "x", "language": {}, "content": "echo\n"}),
            "cookie": requests.get(f"{base}api/me", headers={"Cookie": f"username-x={cookie}; _xsrf={cookie}"}, timeout=30),
            "header 200": requests.get(f"{api}/scripts", headers={"Authorization": f"token {valid}"}, timeout=30),
            "jupyter 404": requests.get(f"{base}nowhere/at/all", params={"token": valid},
                                        headers={"Referer": f"{base}lab?token={valid}"}, timeout=30),
        }
        statuses = {name: answer.status_code for name, answer in answers.items()}
        assert statuses["404"] == 404 and statuses["jupyter 404"] == 404, statuses
        assert statuses["400 paging"] == statuses["400 body"] == 400, statuses
        assert statuses["401 url"] == statuses["401 header"] == 401, statuses
        assert statuses["405"] == 405 and statuses["header 200"] == 200, statuses
        assert statuses["error path"] in (400, 500), statuses
    finally:
        server.stop()
    text = server.log_path.read_text()
    for secret in (valid, wrong_in_url, wrong_in_header, cookie, valid.removeprefix("sst_")):
        assert secret not in text, next(line for line in text.splitlines() if secret in line)
    # The requests were logged (so the check above had lines to look at), their secrets masked.
    assert "404 GET /stellascript/api/v1/no-such-endpoint?token=[" in text
    assert "401 GET /stellascript/api/v1/scripts?token=[" in text
    assert "lab?token=[" in text  # the Referer
    if statuses["error path"] == 500:
        assert "Uncaught exception POST /stellascript/api/v1/scripts?token=[redacted] (127.0.0.1)" in text
        assert "uri='/stellascript/api/v1/scripts?token=[redacted]'" in text


def test_each_api_request_is_one_json_line_in_the_server_log(tmp_path):
    server = RunningServer(tmp_path / "data", settings={"pool_sizes": {}}).start()
    try:
        token = server.token("json-logger")
        assert server.request("GET", "/scripts", token=token).status_code == 200
        assert server.request("GET", "/scripts/executions/" + str(uuid.uuid4()), token=token).status_code == 404
        requests.get(f"{server.url}/scripts", params={"token": token}, timeout=30)
    finally:
        server.stop()
    lines = [json.loads(line) for line in server.log_path.read_text().splitlines()
             if line.startswith("{") and '"event": "request"' in line]
    by_path = {(entry["method"], entry["path"], entry["status"]): entry for entry in lines}
    listed = by_path[("GET", "/stellascript/api/v1/scripts", 200)]
    assert listed["user"] == "json-logger" and listed["logger"] == "jupyter_stellascript.requests"
    assert listed["level"] == "INFO" and listed["duration_ms"] >= 0 and listed["time"].endswith("+00:00")
    assert any(status == 404 for _, path, status in by_path if "/scripts/executions/" in path)
    assert token not in server.log_path.read_text()


class Boom(web.RequestHandler):
    def get(self) -> None:
        raise RuntimeError(f"failed while handling {self.request.uri}")


def test_tornados_uncaught_exception_line_and_request_dump_are_redacted():
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    tornado_log = logging.getLogger("tornado")
    tornado_log.addHandler(handler)
    logging_redaction.install([tornado_log])
    token = "sst_" + uuid.uuid4().hex
    header_secret = f"header-{uuid.uuid4().hex}"

    async def provoke() -> int:
        port = free_port()
        http = HTTPServer(web.Application([(r"/boom", Boom)]))
        http.listen(port, "127.0.0.1")
        try:
            response = await httpclient.AsyncHTTPClient().fetch(
                f"http://127.0.0.1:{port}/boom?token={token}&x=1", raise_error=False,
                headers={"Authorization": f"Bearer {header_secret}"})
            return response.code
        finally:
            http.stop()

    try:
        assert asyncio.run(provoke()) == 500
    finally:
        tornado_log.removeHandler(handler)
    text = output.getvalue()
    assert "Uncaught exception GET /boom?token=[redacted]&x=1" in text, text
    assert "HTTPServerRequest(" in text and "RuntimeError: failed while handling /boom?token=[redacted]" in text, text
    assert token not in text and header_secret not in text and token.removeprefix("sst_") not in text
