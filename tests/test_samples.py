"""The samples under samples/, run as users run them: in real runtime containers.

Each sample is executed through the engine with network "host" against real
services this module starts on 127.0.0.1: an HTTP server whose routes answer
with chosen statuses, bodies, content types and delays (and record what they
were sent), a TCP port that listens, one that refuses, and one whose accept
queue is full so connecting to it times out. Every sample gets a passing case,
a failing case and bad arguments (exit code 2 with a clear message), and the
last test makes sure no file under samples/ goes untested.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jupyter_stellascript.execution.engine import ExecutionEngine
from jupyter_stellascript.execution.models import ExecutionRequest, ExecutionResult, NetworkMode
from jupyter_stellascript.execution.uids import SCRIPT_UIDS
from jupyter_stellascript.languages import get_language, language_for_file

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
RUN_TIMEOUT_S = 180.0
TOKEN = "s3cret-t0ken"

# Sample path (relative to samples/) -> the tests that exercise it. Filled by @covers.
COVERAGE: dict[str, list[str]] = {}


def covers(sample: str) -> Callable:
    def register(test: Callable) -> Callable:
        COVERAGE.setdefault(sample, []).append(test.__name__)
        return test

    return register


# -- running a sample ---------------------------------------------------------------


@dataclass
class Run:
    result: ExecutionResult

    @property
    def exit_code(self) -> int | None:
        return self.result.exit_code

    @property
    def output(self) -> dict:
        try:
            return json.loads(self.result.stdout)
        except ValueError:
            pytest.fail(f"stdout is not JSON:\n{self.result.stdout}\nstderr:\n{self.result.stderr}")

    def describe(self) -> str:
        return f"exit {self.exit_code}\nstdout:\n{self.result.stdout}\nstderr:\n{self.result.stderr}"


def run_sample(engine: ExecutionEngine, sample: str, arguments: dict[str, str] | None = None) -> Run:
    path = SAMPLES / sample
    request = ExecutionRequest(
        language=language_for_file(path).name,
        source=path.read_text(encoding="utf-8"),
        entry_point=path.name,
        arguments=arguments or {},
        network_mode=NetworkMode.HOST,
        timeout_s=RUN_TIMEOUT_S,
    )
    result = engine.execute(request)
    # The engine itself must have run the script to its end: no compile error,
    # no timeout, no engine failure; anything else is the sample's verdict.
    assert result.error is None, result.error
    assert result.termination_reason is None, f"{result.termination_reason}\n{result.stderr}"
    return Run(result)


def assert_bad_arguments(run: Run, *message_parts: str) -> None:
    assert run.exit_code == 2, run.describe()
    assert run.result.stdout.strip() == "", run.describe()
    for part in message_parts:
        assert part in run.result.stderr, run.describe()
    assert "bad arguments" in run.result.stderr, run.describe()


# -- real local services ------------------------------------------------------------


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class Services:
    http_port: int
    listening_port: int
    closed_port: int
    blackhole_port: int
    requests: list[Seen] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def seen(self, path: str) -> list[Seen]:
        return [request for request in self.requests if request.path == path]


HEALTH_BODY = '{"status": "ok", "version": "1.4.2"}'


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes:
    /health            200 JSON {"status": "ok", ...}
    /items             200 JSON list (content type with a charset)
    /status/<code>     that status, JSON body
    /slow?ms=N         200 JSON after N ms
    /html              200 text/html
    /broken-json       200 application/json whose body does not parse
    /empty             204, no body
    /redirect          302 to /health
    /secure            200 with "Authorization: Bearer <TOKEN>", else 401
    anything else      404 JSON
    """

    protocol_version = "HTTP/1.1"
    services: Services

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        self.services.requests.append(Seen(url.path, {key.lower(): value for key, value in self.headers.items()}))
        json_type = "application/json"
        if url.path == "/health":
            self.answer(200, json_type, HEALTH_BODY)
        elif url.path == "/items":
            self.answer(200, "application/json; charset=utf-8", "[1, 2, 3]")
        elif url.path.startswith("/status/"):
            code = int(url.path.rsplit("/", 1)[1])
            self.answer(code, json_type, json.dumps({"status": code}))
        elif url.path == "/slow":
            time.sleep(int(query.get("ms", ["1000"])[0]) / 1000)
            self.answer(200, json_type, '{"slow": true}')
        elif url.path == "/html":
            self.answer(200, "text/html; charset=utf-8", "<p>not json</p>")
        elif url.path == "/broken-json":
            self.answer(200, json_type, '{"status": ')
        elif url.path == "/empty":
            self.answer(204, None, "")
        elif url.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/health")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path == "/secure":
            if self.headers.get("Authorization") == f"Bearer {TOKEN}":
                self.answer(200, json_type, '{"user": "ci"}')
            else:
                self.answer(401, json_type, '{"error": "unauthorized"}')
        else:
            self.answer(404, json_type, '{"error": "not found"}')

    do_HEAD = do_GET

    def answer(self, code: int, content_type: str | None, body: str) -> None:
        data = body.encode()
        self.send_response(code)
        if content_type:
            self.send_header("Content-Type", content_type)
        if code != 204:
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


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    # Listens (the kernel completes handshakes; nothing needs to accept).
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(64)
    # Bound but not listening: connecting is refused, and no one else can take the port.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    # An accept queue of one, filled: further handshakes are dropped, so connecting times out.
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(0)
    filler = socket.create_connection(blackhole.getsockname(), timeout=5)

    services = Services(0, listening.getsockname()[1], closed.getsockname()[1], blackhole.getsockname()[1])
    handler = type("BoundHandler", (Handler,), {"services": services})
    server = QuietServer(("127.0.0.1", 0), handler)
    services.http_port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield services
    finally:
        server.shutdown()
        server.server_close()
        for sock in (filler, blackhole, closed, listening):
            sock.close()


def test_services_behave_as_the_samples_expect(services: Services) -> None:
    """The fixtures themselves: what the sample tests rely on really holds."""
    with socket.create_connection(("127.0.0.1", services.listening_port), timeout=2):
        pass
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", services.closed_port), timeout=2)
    with pytest.raises(TimeoutError):
        socket.create_connection(("127.0.0.1", services.blackhole_port), timeout=0.3)


# -- Python: http_health_check.py ---------------------------------------------------

PY_HEALTH = "python/http_health_check.py"


@covers(PY_HEALTH)
def test_python_health_check_passes(engine: ExecutionEngine, services: Services) -> None:
    run = run_sample(engine, PY_HEALTH, {
        "url": f"{services.base_url}/health",
        "expect_body": '"status": "ok"',
        "max_latency_ms": "30000",
    })
    assert run.exit_code == 0, run.describe()
    out = run.output
    assert out["healthy"] is True
    assert out["status"] == 200
    assert out["body_bytes"] == len(HEALTH_BODY)
    assert out["error"] is None
    assert 0 < out["latency_ms"] <= 30000
    assert [(check["name"], check["ok"]) for check in out["checks"]] == [("status", True), ("body", True), ("latency", True)]
    assert services.seen("/health")[-1].headers["user-agent"].startswith("stellascript-http-health-check")


@covers(PY_HEALTH)
def test_python_health_check_status_classes_and_redirects(engine: ExecutionEngine, services: Services) -> None:
    run = run_sample(engine, PY_HEALTH, {"url": f"{services.base_url}/status/204", "expected_status": "200, 2xx"})
    assert run.exit_code == 0, run.describe()
    assert run.output["status"] == 204
    run = run_sample(engine, PY_HEALTH, {"url": f"{services.base_url}/redirect", "method": "HEAD"})
    assert run.exit_code == 0, run.describe()
    assert run.output["status"] == 200  # the redirect was followed to /health


@covers(PY_HEALTH)
def test_python_health_check_fails_on_status_body_and_latency(engine: ExecutionEngine, services: Services) -> None:
    run = run_sample(engine, PY_HEALTH, {
        "url": f"{services.base_url}/status/503",
        "expect_body": "all good",
    })
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert out["healthy"] is False
    assert out["status"] == 503
    assert {check["name"]: check["ok"] for check in out["checks"]} == {"status": False, "body": False}
    assert "got 503, expected 200" in out["checks"][0]["detail"]

    run = run_sample(engine, PY_HEALTH, {"url": f"{services.base_url}/slow?ms=1500", "max_latency_ms": "300"})
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert out["status"] == 200 and out["latency_ms"] >= 1500
    assert {check["name"]: check["ok"] for check in out["checks"]} == {"status": True, "latency": False}


@covers(PY_HEALTH)
def test_python_health_check_fails_when_unreachable(engine: ExecutionEngine, services: Services) -> None:
    run = run_sample(engine, PY_HEALTH, {"url": f"http://127.0.0.1:{services.closed_port}/health"})
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert out["healthy"] is False and out["status"] is None and out["checks"] == []
    assert "refused" in out["error"].lower()

    run = run_sample(engine, PY_HEALTH, {"url": f"http://127.0.0.1:{services.blackhole_port}/", "timeout_s": "0.5"})
    assert run.exit_code == 1, run.describe()
    assert "timed out" in run.output["error"]


@covers(PY_HEALTH)
@pytest.mark.parametrize(("arguments", "message"), [
    ({}, "url is required"),
    ({"url": "ftp://example.com/"}, "http:// or https://"),
    ({"url": "http://127.0.0.1/", "expected_status": "ok"}, "expected_status"),
    ({"url": "http://127.0.0.1/", "max_latency_ms": "fast"}, "max_latency_ms must be a number"),
    ({"url": "http://127.0.0.1/", "timeout": "5"}, "unknown argument(s): timeout"),
])
def test_python_health_check_bad_arguments(engine: ExecutionEngine, arguments: dict, message: str) -> None:
    assert_bad_arguments(run_sample(engine, PY_HEALTH, arguments), message)


# -- Python: system_report.py -------------------------------------------------------

PY_REPORT = "python/system_report.py"


@covers(PY_REPORT)
def test_system_report_describes_the_sandbox(engine: ExecutionEngine) -> None:
    run = run_sample(engine, PY_REPORT, {"title": "release 1.4 smoke"})
    assert run.exit_code == 0, run.describe()
    out = run.output
    assert out["title"] == "release 1.4 smoke"
    assert out["uid"] in SCRIPT_UIDS  # a uid of its own per run (issue 11), no longer always 10001
    assert out["writable"] == {"/": False, "/scripts": False, "/work": True, "/tmp": True}
    assert out["open_files_limit"] == engine.limits_for(get_language("python")).open_files
    assert "lo" in out["network_interfaces"]


# -- Bash: disk_usage_check.sh ------------------------------------------------------

BASH_DISK = "bash/disk_usage_check.sh"


@covers(BASH_DISK)
def test_disk_usage_check_passes(engine: ExecutionEngine) -> None:
    tmpfs_kb = engine.limits_for(get_language("bash")).tmpfs_bytes // 1024
    run = run_sample(engine, BASH_DISK, {"path": "/tmp", "max_percent": "50", "min_free_mb": "32", "max_inode_percent": "50"})
    assert run.exit_code == 0, run.describe()
    out = run.output
    assert out["healthy"] is True and out["problems"] == []
    assert (out["path"], out["mount_point"], out["fs_type"]) == ("/tmp", "/tmp", "tmpfs")
    assert out["size_kb"] == tmpfs_kb  # the sandbox's /tmp limit, seen from inside
    assert out["used_kb"] + out["available_kb"] == tmpfs_kb
    assert (out["max_percent"], out["min_free_mb"], out["max_inode_percent"]) == (50, 32, 50)


@covers(BASH_DISK)
def test_disk_usage_check_defaults(engine: ExecutionEngine) -> None:
    run = run_sample(engine, BASH_DISK)
    out = run.output
    assert out["path"] == "/work" and out["max_percent"] == 90 and out["min_free_mb"] is None
    assert out["size_kb"] > 0 and 0 <= out["used_percent"] <= 100
    # Whatever the host's disk looks like, the verdict must agree with the numbers.
    assert out["healthy"] is (out["used_percent"] <= 90)
    assert run.exit_code == (0 if out["healthy"] else 1), run.describe()


@covers(BASH_DISK)
def test_disk_usage_check_fails(engine: ExecutionEngine) -> None:
    run = run_sample(engine, BASH_DISK, {"path": "/tmp", "min_free_mb": "65"})
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert out["healthy"] is False
    assert out["problems"] == ["64 MiB free, below the minimum of 65 MiB"]

    # The root filesystem is never empty, so any usage is above 0%.
    run = run_sample(engine, BASH_DISK, {"path": "/", "max_percent": "0"})
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert out["used_percent"] > 0
    assert out["problems"] == [f"usage is {out['used_percent']}%, above the maximum of 0%"]


@covers(BASH_DISK)
@pytest.mark.parametrize(("arguments", "message"), [
    ({"max_percent": "101"}, "max_percent must be between 0 and 100"),
    ({"max_percent": "ninety"}, "max_percent must be a whole number"),
    ({"min_free_mb": "-5"}, "min_free_mb must be a whole number"),
    ({"path": "/no/such/mount"}, "'/no/such/mount' does not exist"),
    ({"pth": "/tmp"}, "unknown argument(s): pth"),
])
def test_disk_usage_check_bad_arguments(engine: ExecutionEngine, arguments: dict, message: str) -> None:
    assert_bad_arguments(run_sample(engine, BASH_DISK, arguments), message)


# -- Go: tcp_port_check.go ----------------------------------------------------------

GO_PORTS = "go/tcp_port_check.go"


def by_target(out: dict) -> dict[str, dict]:
    return {result["target"]: result for result in out["results"]}


@covers(GO_PORTS)
def test_tcp_port_check_passes(engine: ExecutionEngine, services: Services) -> None:
    open_a = f"127.0.0.1:{services.listening_port}"
    open_b = f"localhost:{services.http_port}"
    closed = f"127.0.0.1:{services.closed_port}"
    run = run_sample(engine, GO_PORTS, {"targets": f"{open_a}, {open_b}", "closed_targets": closed})
    assert run.exit_code == 0, run.describe()
    out = run.output
    assert (out["healthy"], out["passed"], out["failed"], out["timeout_ms"]) == (True, 3, 0, 2000)
    assert [result["target"] for result in out["results"]] == [open_a, open_b, closed]  # in the order given
    results = by_target(out)
    assert results[open_a] | {"latency_ms": 0} == {
        "target": open_a, "host": "127.0.0.1", "port": services.listening_port,
        "expect": "open", "open": True, "ok": True, "latency_ms": 0, "error": "",
    }
    assert results[open_b]["open"] is True and results[open_b]["host"] == "localhost"
    assert (results[closed]["open"], results[closed]["ok"], results[closed]["error"]) == (False, True, "refused")


@covers(GO_PORTS)
def test_tcp_port_check_fails(engine: ExecutionEngine, services: Services) -> None:
    closed = f"127.0.0.1:{services.closed_port}"
    listening = f"127.0.0.1:{services.listening_port}"
    blackhole = f"127.0.0.1:{services.blackhole_port}"
    started = time.monotonic()
    run = run_sample(engine, GO_PORTS, {
        "targets": f"{closed}\n{blackhole}\nno-such-host.invalid:80",
        "closed_targets": listening,
        "timeout_ms": "500",
    })
    assert time.monotonic() - started < 60
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert (out["healthy"], out["passed"], out["failed"], out["timeout_ms"]) == (False, 0, 4, 500)
    results = by_target(out)
    assert (results[closed]["open"], results[closed]["error"]) == (False, "refused")
    assert (results[blackhole]["open"], results[blackhole]["error"]) == (False, "timeout")
    assert results[blackhole]["latency_ms"] >= 450
    assert results["no-such-host.invalid:80"]["error"] == "dns"
    assert (results[listening]["expect"], results[listening]["open"], results[listening]["ok"]) == ("closed", True, False)


@covers(GO_PORTS)
@pytest.mark.parametrize(("arguments", "message"), [
    ({}, "give at least one host:port"),
    ({"targets": "127.0.0.1"}, 'target "127.0.0.1" must look like host:port'),
    ({"targets": "127.0.0.1:70000"}, "ports are 1-65535"),
    ({"targets": "127.0.0.1:80", "timeout_ms": "2s"}, "timeout_ms must be a whole number"),
    ({"target": "127.0.0.1:80"}, "unknown argument(s): target"),
])
def test_tcp_port_check_bad_arguments(engine: ExecutionEngine, arguments: dict, message: str) -> None:
    assert_bad_arguments(run_sample(engine, GO_PORTS, arguments), message)


# -- Java: LogErrorRate.java --------------------------------------------------------

JAVA_LOG = "java/LogErrorRate.java"

# Escaped quotes, backslashes, non-ASCII and a character outside the BMP: the
# engine writes args.json with \uXXXX escapes (surrogate pairs for the emoji),
# so this line exercises the sample's JSON reader and writer end to end.
TRICKY_ERROR = 'ERROR payment "checkout" failed for Zoë at C:\\shop\\"cart" ✗ 🚀 tab\there'
ERROR_LINES = [
    "2024-05-01T10:00:03Z ERROR db: connection reset",
    TRICKY_ERROR,
    "2024-05-01T10:00:09Z FATAL worker crashed",
    'ts=2024-05-01T10:00:11Z level=error msg="queue full"',
    "2024/05/01 10:00:12 [error] 17#0: upstream timed out",
]
WARNING_LINES = [
    "2024-05-01T10:00:01Z WARN cache miss ratio high",
    "2024-05-01T10:00:02Z WARNING disk 85% full",
    'ts=2024-05-01T10:00:04Z level=warn msg="slow query"',
    '{"time": "2024-05-01T10:00:05Z", "level": "warning", "msg": "retrying"}',
    "2024/05/01 10:00:06 [warn] 17#0: client sent invalid header",
] * 2
# Lines that mention errors without being errors.
INFO_LINES = [
    "2024-05-01T10:00:00Z INFO no error here, all good",
    "2024-05-01T10:00:00Z INFO ERRORS_TOTAL=0 MY_ERROR_CODE=none terror",
    '{"time": "2024-05-01T10:00:00Z", "level": "info", "msg": "error budget 99.9%"}',
]


def make_log() -> str:
    """100 non-blank lines: 5 errors, 10 warnings, 85 others, with blank lines between."""
    lines = INFO_LINES * 28 + ["2024-05-01T10:00:00Z INFO request served"]
    assert len(lines) == 85
    for index, line in enumerate(WARNING_LINES):
        lines.insert(index * 8 + 1, line)
    for index, line in enumerate(ERROR_LINES):
        lines.insert(index * 19 + 4, line)
    lines.insert(30, "")
    lines.insert(60, "   ")
    return "\n".join(lines) + "\n"


@covers(JAVA_LOG)
def test_log_error_rate_passes_at_the_threshold(engine: ExecutionEngine) -> None:
    run = run_sample(engine, JAVA_LOG, {"log": make_log(), "max_error_rate": "5%"})
    assert run.exit_code == 0, run.describe()
    assert run.output == {
        "source": "log",
        "lines": 100,
        "errors": 5,
        "warnings": 10,
        "error_rate": 0.05,
        "max_error_rate": 0.05,
        "healthy": True,
        "first_errors": ERROR_LINES,
    }


@covers(JAVA_LOG)
def test_log_error_rate_fails_above_the_threshold(engine: ExecutionEngine) -> None:
    run = run_sample(engine, JAVA_LOG, {"log": make_log(), "max_error_rate": "0.049"})
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert (out["healthy"], out["errors"], out["error_rate"], out["max_error_rate"]) == (False, 5, 0.05, 0.049)
    assert out["first_errors"][1] == TRICKY_ERROR


@covers(JAVA_LOG)
def test_log_error_rate_reads_a_file_and_keeps_five_examples(engine: ExecutionEngine) -> None:
    run = run_sample(engine, JAVA_LOG, {"file": "/etc/os-release"})
    assert run.exit_code == 0, run.describe()
    out = run.output
    assert out["source"] == "/etc/os-release"
    assert out["lines"] > 0 and out["errors"] == 0 and out["error_rate"] == 0 and out["healthy"] is True

    errors_only = "\n".join(f"ERROR failure number {n}" for n in range(8))
    run = run_sample(engine, JAVA_LOG, {"log": errors_only})
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert (out["lines"], out["errors"], out["error_rate"], out["max_error_rate"]) == (8, 8, 1, 0.05)
    assert out["first_errors"] == [f"ERROR failure number {n}" for n in range(5)]


@covers(JAVA_LOG)
@pytest.mark.parametrize(("arguments", "message"), [
    ({}, "give exactly one of log"),
    ({"log": "ERROR x", "file": "/etc/os-release"}, "give exactly one of log"),
    ({"file": "/var/log/no-such.log"}, "/var/log/no-such.log does not exist"),
    ({"file": "/etc"}, "is a directory"),
    ({"log": "x", "max_error_rate": "lots"}, "max_error_rate must be a fraction"),
    ({"log": "x", "max_error_rate": "150%"}, "max_error_rate must be between 0 and 1"),
    ({"log": "x", "threshold": "0.1"}, "unknown argument(s): threshold"),
])
def test_log_error_rate_bad_arguments(engine: ExecutionEngine, arguments: dict, message: str) -> None:
    assert_bad_arguments(run_sample(engine, JAVA_LOG, arguments), message)


# -- TypeScript: api_smoke_test.ts --------------------------------------------------

TS_SMOKE = "typescript/api_smoke_test.ts"


@covers(TS_SMOKE)
def test_api_smoke_test_passes(engine: ExecutionEngine, services: Services) -> None:
    run = run_sample(engine, TS_SMOKE, {
        "base_url": f"{services.base_url}/",
        "endpoints": "/health, /items 200\n/secure, /missing 404, /empty 204, /redirect",
        "auth_token": TOKEN,
        "max_latency_ms": "30000",
    })
    assert run.exit_code == 0, run.describe()
    out = run.output
    assert (out["base_url"], out["healthy"], out["passed"], out["failed"]) == (services.base_url, True, 6, 0)
    summary = [(r["path"], r["status"], r["expected_status"], r["ok"], r["problems"]) for r in out["results"]]
    assert summary == [
        ("/health", 200, "2xx", True, []),
        ("/items", 200, "200", True, []),
        ("/secure", 200, "2xx", True, []),
        ("/missing", 404, "404", True, []),
        ("/empty", 204, "204", True, []),
        ("/redirect", 200, "2xx", True, []),
    ]
    assert out["results"][1]["url"] == f"{services.base_url}/items"
    assert out["results"][1]["content_type"] == "application/json; charset=utf-8"
    assert services.seen("/secure")[-1].headers["authorization"] == f"Bearer {TOKEN}"


@covers(TS_SMOKE)
def test_api_smoke_test_fails(engine: ExecutionEngine, services: Services) -> None:
    run = run_sample(engine, TS_SMOKE, {
        "base_url": services.base_url,
        "endpoints": "/health, /html, /broken-json, /secure, /missing, /status/500 5xx, /slow?ms=3000",
        "timeout_ms": "700",
    })
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert (out["healthy"], out["passed"], out["failed"]) == (False, 2, 5)
    results = {r["path"]: r for r in out["results"]}
    assert results["/health"]["ok"] and results["/status/500"]["ok"]
    assert results["/html"]["problems"] == ["content type text/html; charset=utf-8, expected JSON"]
    assert results["/broken-json"]["problems"][0].startswith("body is not valid JSON")
    assert results["/secure"]["problems"] == ["status 401, expected 2xx"]  # no token given
    assert "authorization" not in services.seen("/secure")[-1].headers
    assert results["/missing"]["problems"] == ["status 404, expected 2xx"]
    assert results["/slow?ms=3000"]["problems"] == ["no answer within 700 ms"]
    assert results["/slow?ms=3000"]["status"] is None


@covers(TS_SMOKE)
def test_api_smoke_test_fails_on_latency_and_unreachable_hosts(engine: ExecutionEngine, services: Services) -> None:
    run = run_sample(engine, TS_SMOKE, {
        "base_url": services.base_url, "endpoints": "/slow?ms=1500", "max_latency_ms": "400", "require_json": "false",
    })
    assert run.exit_code == 1, run.describe()
    (result,) = run.output["results"]
    assert result["status"] == 200 and result["latency_ms"] >= 1500
    assert result["problems"] == [f"took {result['latency_ms']:g} ms, at most 400 ms allowed"]

    run = run_sample(engine, TS_SMOKE, {"base_url": f"http://127.0.0.1:{services.closed_port}"})
    assert run.exit_code == 1, run.describe()
    (result,) = run.output["results"]
    assert result["path"] == "/" and result["status"] is None
    assert "ECONNREFUSED" in result["problems"][0]


@covers(TS_SMOKE)
@pytest.mark.parametrize(("arguments", "message"), [
    ({}, "base_url is required"),
    ({"base_url": "ftp://127.0.0.1/"}, "http:// or https://"),
    ({"base_url": "http://127.0.0.1", "endpoints": "health"}, 'endpoint "health" must be a path starting with "/"'),
    ({"base_url": "http://127.0.0.1", "endpoints": "/health 2x"}, 'endpoint "/health 2x" names an expected status'),
    ({"base_url": "http://127.0.0.1", "require_json": "yes"}, "require_json must be true or false"),
    ({"base_url": "http://127.0.0.1", "timeout_ms": "0"}, "timeout_ms must be a positive number"),
    ({"base_url": "http://127.0.0.1", "token": "x"}, "unknown argument(s): token"),
])
def test_api_smoke_test_bad_arguments(engine: ExecutionEngine, arguments: dict, message: str) -> None:
    assert_bad_arguments(run_sample(engine, TS_SMOKE, arguments), message)


# -- C#: HttpHealthCheck.cs ---------------------------------------------------------

CS_HEALTH = "csharp/HttpHealthCheck.cs"


@covers(CS_HEALTH)
def test_csharp_health_check_passes(engine: ExecutionEngine, services: Services) -> None:
    run = run_sample(engine, CS_HEALTH, {
        "url": f"{services.base_url}/redirect",
        "expected_status": "2xx",
        "expect_body": '"version": "1.4.2"',
        "max_latency_ms": "30000",
    })
    assert run.exit_code == 0, run.describe()
    out = run.output
    assert (out["healthy"], out["status"], out["body_bytes"], out["error"]) == (True, 200, len(HEALTH_BODY), None)
    assert [(check["name"], check["ok"]) for check in out["checks"]] == [("status", True), ("body", True), ("latency", True)]
    assert services.seen("/health")[-1].headers["user-agent"].startswith("stellascript-http-health-check")


@covers(CS_HEALTH)
def test_csharp_health_check_fails(engine: ExecutionEngine, services: Services) -> None:
    run = run_sample(engine, CS_HEALTH, {
        "url": f"{services.base_url}/status/502", "expected_status": "200,204", "expect_body": "ok",
    })
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert (out["healthy"], out["status"]) == (False, 502)
    assert {check["name"]: check["ok"] for check in out["checks"]} == {"status": False, "body": False}
    assert out["checks"][0]["detail"] == "got 502, expected 200,204"

    run = run_sample(engine, CS_HEALTH, {"url": f"{services.base_url}/slow?ms=1500", "max_latency_ms": "300"})
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert out["status"] == 200 and out["latency_ms"] >= 1500
    assert {check["name"]: check["ok"] for check in out["checks"]} == {"status": True, "latency": False}

    run = run_sample(engine, CS_HEALTH, {"url": f"http://127.0.0.1:{services.closed_port}/"})
    assert run.exit_code == 1, run.describe()
    out = run.output
    assert out["status"] is None and out["latency_ms"] is None and out["checks"] == []
    assert "refused" in out["error"].lower()

    run = run_sample(engine, CS_HEALTH, {"url": f"http://127.0.0.1:{services.blackhole_port}/", "timeout_s": "0.5"})
    assert run.exit_code == 1, run.describe()
    assert run.output["error"].endswith("timed out")


@covers(CS_HEALTH)
@pytest.mark.parametrize(("arguments", "message"), [
    ({}, "url is required"),
    ({"url": "file:///etc/passwd"}, "http:// or https://"),
    ({"url": "http://127.0.0.1/", "expected_status": "2XX,abc"}, "expected_status must list codes"),
    ({"url": "http://127.0.0.1/", "timeout_s": "-1"}, "timeout_s must be a number"),
    ({"url": "http://127.0.0.1/", "verbose": "true"}, "unknown argument(s): verbose"),
])
def test_csharp_health_check_bad_arguments(engine: ExecutionEngine, arguments: dict, message: str) -> None:
    assert_bad_arguments(run_sample(engine, CS_HEALTH, arguments), message)


# -- every sample is tested and documented ------------------------------------------


def sample_files() -> set[str]:
    return {
        path.relative_to(SAMPLES).as_posix()
        for path in SAMPLES.rglob("*")
        # The manifest and README beside the language folders are not samples.
        if path.is_file() and path.parent != SAMPLES and "__pycache__" not in path.parts and not path.name.startswith(".")
    }


def test_every_sample_has_tests() -> None:
    untested = sorted(sample_files() - set(COVERAGE))
    assert not untested, f"samples without a test in {Path(__file__).name} (add one and mark it @covers): {untested}"
    missing = sorted(set(COVERAGE) - sample_files())
    assert not missing, f"tests cover samples that do not exist: {missing}"


@pytest.mark.parametrize("sample", sorted(sample_files()))
def test_every_sample_documents_itself(sample: str) -> None:
    """A header comment that says what it takes and what its exit codes mean."""
    header = "\n".join((SAMPLES / sample).read_text(encoding="utf-8").splitlines()[:60])
    for topic in ("Arguments", "Exit codes"):
        assert topic in header, f"{sample}: the header comment does not describe its {topic.lower()}"
    language_for_file(sample)  # and it is a language Stella Script runs
