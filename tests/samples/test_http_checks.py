"""health-check-http and smoke-test-api (C#, on Mono) and tcp-port-check (Go),
run from the registry against a real HTTP service on loopback."""

from __future__ import annotations

import pytest

from tests.samples.http_target import HEALTH_BODY, TOKEN, HttpTarget
from tests.samples.library import SampleRunner, covers

pytestmark = pytest.mark.slow


@covers("health-check-http")
def test_health_check_passes_on_a_healthy_endpoint_with_a_token(samples: SampleRunner, http_service: HttpTarget) -> None:
    token = samples.secret("svc-token", TOKEN)
    run = samples.run("health-check-http", {"url": f"{http_service.url}/secure", "json_field": "user", "json_value": "CI",
                                            "max_latency_ms": 30000, "auth_token": token})
    assert run.exit_code == 0, run.describe()
    assert http_service.seen("/secure")[-1].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in run.stdout + run.record["stderr"]
    run = samples.run("health-check-http", {"url": f"{http_service.url}/health", "max_latency_ms": 30000})
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["healthy"], out["status"], out["field_value"]) == (True, 200, HEALTH_BODY["status"])
    assert [(check["name"], check["ok"]) for check in out["checks"]] == [("status", True), ("body", True), ("latency", True)]
    assert run.lines("✓") == [f"✓ {check['detail']}" for check in out["checks"]]


@covers("health-check-http")
def test_health_check_fails_on_a_degraded_or_unreachable_endpoint(samples: SampleRunner, http_service: HttpTarget) -> None:
    run = samples.run("health-check-http", {"url": f"{http_service.url}/degraded/health"})
    assert run.exit_code == 1, run.describe()
    out = run.outputs
    assert (out["healthy"], out["status"], out["field_value"]) == (False, 503, "degraded")
    assert run.lines("✗") == ["✗ status 503, expected 200", '✗ status is "degraded", expected "ok"']

    run = samples.run("health-check-http", {"url": f"{http_service.url}/down/health"})  # 200, but DOWN
    assert run.exit_code == 1, run.describe()
    assert {c["name"]: c["ok"] for c in run.outputs["checks"]} == {"status": True, "body": False, "latency": True}

    run = samples.run("health-check-http", {"url": f"{http_service.url}/slow?ms=1200", "json_field": "", "max_latency_ms": 300})
    assert run.exit_code == 1, run.describe()
    assert run.outputs["latency_ms"] >= 1200 and run.lines("✗")[0].startswith("✗ answered in")

    run = samples.run("health-check-http", {"url": f"http://127.0.0.1:{http_service.closed_port}/health"})
    assert run.exit_code == 2, run.describe()
    assert "refused" in run.outputs["error"].lower() and run.outputs["healthy"] is False


@covers("health-check-http")
def test_health_check_arguments_are_checked_before_it_runs(samples: SampleRunner) -> None:
    script_id = samples.save("health-check-http")
    response = samples.server.request("POST", f"/scripts/{script_id}/execute", token=samples.token,
                                      json={"arguments": {"url": "ftp://x", "expected_status": "700"}})
    assert response.status_code == 400, response.text
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"arguments.url", "arguments.expected_status"} <= fields, response.text


@covers("smoke-test-api")
def test_smoke_test_passes_when_every_endpoint_answers_as_expected(samples: SampleRunner, http_service: HttpTarget) -> None:
    token = samples.secret("svc-token", TOKEN)
    run = samples.run("smoke-test-api", {
        "base_url": f"{http_service.url}/", "endpoints": "/health, /items 200\n/secure, /missing 404, /status/302 3xx",
        "max_latency_ms": 30000, "auth_token": token,
    })
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["healthy"], out["passed"], out["failed"]) == (True, 5, 0)
    assert [(r["path"], r["status"], r["expected"]) for r in out["results"]] == [
        ("/health", 200, "2xx"), ("/items", 200, "200"), ("/secure", 200, "2xx"), ("/missing", 404, "404"), ("/status/302", 302, "3xx")]
    assert len(run.lines("✓")) == 5 and run.stdout.rstrip().endswith("5 of 5 endpoints passed")


@covers("smoke-test-api")
def test_smoke_test_fails_on_wrong_statuses_bodies_and_latency(samples: SampleRunner, http_service: HttpTarget) -> None:
    run = samples.run("smoke-test-api", {
        "base_url": http_service.url, "endpoints": "/health, /html, /secure, /status/500 5xx, /slow?ms=4000", "max_latency_ms": 3000,
    })
    assert run.exit_code == 1, run.describe()
    results = {r["path"]: r for r in run.outputs["results"]}
    assert results["/health"]["ok"] and results["/status/500"]["ok"]
    assert results["/html"]["problems"][0].startswith("the body is not JSON")
    assert results["/secure"]["problems"] == ["status 401, expected 2xx"]  # no token given
    assert results["/slow?ms=4000"]["problems"][0].startswith("took ")
    assert (run.outputs["passed"], run.outputs["failed"]) == (2, 3) and len(run.lines("✗")) == 3

    run = samples.run("smoke-test-api", {"base_url": http_service.url, "endpoints": "health"})
    assert run.exit_code == 2, run.describe()
    assert "bad arguments" in run.stdout


@covers("tcp-port-check")
def test_port_check_passes_for_an_open_and_a_closed_port(samples: SampleRunner, http_service: HttpTarget) -> None:
    open_port, closed = f"127.0.0.1:{http_service.port}", f"127.0.0.1:{http_service.closed_port}"
    run = samples.run("tcp-port-check", {"targets": open_port, "closed_targets": closed})
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["healthy"], out["passed"], out["failed"], out["timeout_ms"]) == (True, 2, 0, 2000)
    assert [(r["target"], r["open"], r["ok"], r["error"]) for r in out["results"]] == [
        (open_port, True, True, ""), (closed, False, True, "refused")]
    assert run.lines("✓")[0].startswith(f"✓ {open_port} is open, expected open")


@covers("tcp-port-check")
def test_port_check_fails_when_a_port_is_not_as_expected(samples: SampleRunner, http_service: HttpTarget) -> None:
    open_port, closed = f"127.0.0.1:{http_service.port}", f"127.0.0.1:{http_service.closed_port}"
    run = samples.run("tcp-port-check", {"targets": f"{closed} no-such-host.invalid:80", "closed_targets": open_port,
                                         "timeout_ms": 500})
    assert run.exit_code == 1, run.describe()
    out = run.outputs
    assert (out["healthy"], out["passed"], out["failed"]) == (False, 0, 3)
    assert [r["error"] for r in out["results"]] == ["refused", "dns", ""]
    assert len(run.lines("✗")) == 3

    run = samples.run("tcp-port-check", {"targets": "127.0.0.1"})
    assert run.exit_code == 2 and "must look like host:port" in run.record["stderr"], run.describe()
