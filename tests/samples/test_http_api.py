"""api-integration-test and json-schema-validator (TypeScript, with their npm
dependencies at the design's versions), run from the registry against a real
HTTP service on loopback."""

from __future__ import annotations

import json

import pytest

from tests.samples.http_target import TOKEN, HttpTarget
from tests.samples.library import SampleRunner, covers

pytestmark = pytest.mark.slow

CONFIG_SCHEMA = {
    "type": "object",
    "required": ["service", "replicas", "endpoints"],
    "additionalProperties": False,
    "properties": {
        "service": {"type": "string", "minLength": 1},
        "replicas": {"type": "integer", "minimum": 1},
        "endpoints": {"type": "array", "items": {"type": "string", "pattern": "^/"}},
    },
}
GOOD_CONFIG = {"service": "checkout", "replicas": 3, "endpoints": ["/health", "/orders"]}
BAD_CONFIG = {"service": "", "replicas": 0, "endpoints": ["/health", "orders"], "debug": True}


@covers("api-integration-test")
def test_api_test_walks_a_working_api(samples: SampleRunner, http_service: HttpTarget) -> None:
    token = samples.secret("svc-token", TOKEN)
    run = samples.run("api-integration-test", {"base_url": f"{http_service.url}/", "api_token": token})
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    steps = [step["name"] for step in out["steps"]]
    assert steps[0] == "GET /health" and steps[1] == "POST /items" and steps[-1].endswith("after delete"), steps
    assert (out["healthy"], out["passed"], out["failed"]) == (True, 6, 0)
    assert [step["status"] for step in out["steps"]] == [200, 201, 200, 200, 204, 404]
    assert len(run.lines("✓")) == 6
    created = next(seen for seen in http_service.requests if seen.method == "POST" and seen.path == "/items")
    assert json.loads(created.body)["name"].startswith("stellascript-")
    assert created.headers["authorization"] == f"Bearer {TOKEN}"
    assert not any(item["name"] == json.loads(created.body)["name"] for item in http_service.items.values())  # deleted again


@covers("api-integration-test")
def test_api_test_fails_on_a_wrong_shape_and_on_an_unreachable_api(samples: SampleRunner, http_service: HttpTarget) -> None:
    run = samples.run("api-integration-test", {"base_url": http_service.url, "resource": "broken/items"})
    assert run.exit_code == 1, run.describe()
    out = run.outputs
    post = next(step for step in out["steps"] if step["name"] == "POST /broken/items")
    assert post["status"] == 201 and post["ok"] is False
    assert post["problem"].startswith("created_at: Expected string, received number"), post
    assert any(line.startswith("✗ POST /broken/items → 201") for line in run.lines("✗")), run.stdout

    run = samples.run("api-integration-test", {"base_url": f"http://127.0.0.1:{http_service.closed_port}"})
    assert run.exit_code == 2, run.describe()
    assert "ECONNREFUSED" in run.outputs["steps"][0]["problem"]


@covers("json-schema-validator")
def test_schema_validator_passes_a_valid_document_from_a_url_and_inline(samples: SampleRunner, http_service: HttpTarget) -> None:
    http_service.documents["good.json"] = json.dumps(GOOD_CONFIG)
    run = samples.run("json-schema-validator", {"schema": CONFIG_SCHEMA, "document_url": f"{http_service.url}/documents/good.json"})
    assert run.exit_code == 0, run.describe()
    assert run.outputs == {"source": f"{http_service.url}/documents/good.json", "valid": True, "error_count": 0, "errors": []}
    assert run.lines("✓") == [f"✓ {http_service.url}/documents/good.json is valid"]
    run = samples.run("json-schema-validator", {"schema": CONFIG_SCHEMA, "document": GOOD_CONFIG})
    assert run.exit_code == 0 and run.outputs["source"] == "document", run.describe()


@covers("json-schema-validator")
def test_schema_validator_lists_every_violation(samples: SampleRunner, http_service: HttpTarget) -> None:
    http_service.documents["bad.json"] = json.dumps(BAD_CONFIG)
    run = samples.run("json-schema-validator", {"schema": CONFIG_SCHEMA, "document_url": f"{http_service.url}/documents/bad.json"})
    assert run.exit_code == 1, run.describe()
    out = run.outputs
    assert out["valid"] is False and out["error_count"] == 4
    assert sorted((e["path"], e["keyword"]) for e in out["errors"]) == [
        ("/debug", "additionalProperties"), ("/endpoints/1", "pattern"), ("/replicas", "minimum"), ("/service", "minLength")]
    assert len(run.lines("✗")) == 4

    http_service.documents["not.json"] = "{not json"
    run = samples.run("json-schema-validator", {"schema": CONFIG_SCHEMA, "document_url": f"{http_service.url}/documents/not.json"})
    assert run.exit_code == 2 and "is not JSON" in run.stdout, run.describe()
    run = samples.run("json-schema-validator", {"schema": CONFIG_SCHEMA})
    assert run.exit_code == 2 and "give exactly one of document_url and document" in run.stdout, run.describe()
