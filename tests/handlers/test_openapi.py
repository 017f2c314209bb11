"""The OpenAPI description: served by a running server, a valid OpenAPI 3.1
document, covering every route the extension registers, and describing what
the server really answers."""

from __future__ import annotations

import json
import re
import time

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec
from tornado import web

from jupyter_stellascript.handlers.routes import API, routes
from jupyter_stellascript.languages import LANGUAGES
from tests.servers import json_of

HTTP_METHODS = ("get", "post", "put", "delete", "patch")
_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)")


def spec_path(pattern: str) -> str:
    """A route's regular expression as an OpenAPI path: /scripts/{script_id}/versions."""
    prefix = "/" + API
    assert pattern.startswith(prefix), pattern
    path = pattern[len(prefix):]
    if path.endswith("/?"):
        path = path[:-2]
    path = _GROUP.sub(lambda match: "{" + match.group(1) + "}", path)
    assert not re.search(r"[()\[\]?*+\\]", path), f"cannot turn {pattern!r} into an OpenAPI path ({path!r})"
    return path


def handler_methods(handler: type) -> set[str]:
    return {m for m in HTTP_METHODS if getattr(handler, m) is not getattr(web.RequestHandler, m)}


@pytest.fixture(scope="module")
def spec(sqlite_server) -> dict:
    response = sqlite_server.request("GET", "/openapi.json")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return json_of(response)


def check(spec: dict, schema_name: str, instance) -> None:
    """Validate instance against a component schema, and require that a
    top-level object has no field the schema does not describe."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    errors = sorted(OAS31Validator(schema).iter_errors(instance), key=str)
    assert not errors, f"{schema_name}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    declared = _properties(spec, spec["components"]["schemas"][schema_name])
    if isinstance(instance, dict) and declared:
        assert set(instance) <= declared, f"{schema_name} does not describe {sorted(set(instance) - declared)}"


def _properties(spec: dict, schema: dict) -> set[str]:
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        if "$ref" in part:
            part = spec["components"]["schemas"][part["$ref"].rsplit("/", 1)[1]]
        names |= _properties(spec, part)
    return names


def test_the_served_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate_spec(spec)  # raises with the first problem
    assert spec["servers"] == [{"url": "/stellascript/api/v1"}]


def test_every_route_and_method_is_described(spec):
    table = routes("/")
    assert table, "routes() returned nothing"
    for pattern, handler in table:
        path = spec_path(pattern)
        assert path in spec["paths"], f"{handler.__name__} ({pattern}) has no path {path} in openapi.json"
        described = {m for m in HTTP_METHODS if m in spec["paths"][path]}
        assert handler_methods(handler) == described, f"{path}: handler {sorted(handler_methods(handler))}, spec {sorted(described)}"
    # ...and nothing is described that the server does not serve.
    assert set(spec["paths"]) == {spec_path(pattern) for pattern, _ in table}


def test_components_the_design_names(spec):
    schemas = spec["components"]["schemas"]
    for name in ("Script", "ScriptCreate", "ScriptUpdate", "Dependency", "Execution", "ExecuteRequest", "Error", "ValidationError"):
        assert name in schemas, name
    assert schemas["ScriptUpdate"]["properties"]["version_bump"] == {"$ref": "#/components/schemas/VersionBump"}
    assert schemas["VersionBump"]["enum"] == ["major", "minor", "patch"]
    assert schemas["Dependency"]["properties"]["scope"]["enum"] == ["runtime", "test", "build"]
    assert schemas["NetworkMode"]["enum"] == ["none", "bridge", "host"]
    assert set(schemas["Language"]["enum"]) == set(LANGUAGES), "a language was added or removed: update openapi.json"
    put = spec["paths"]["/scripts/{script_id}"]["put"]
    assert any(p.get("name") == "If-Match" and p["in"] == "header" for p in put["parameters"])
    scheme = spec["components"]["securitySchemes"]["token"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert {} in spec["security"], "anonymous access must be allowed (public scripts)"
    logs = spec["paths"]["/scripts/executions/{execution_id}/logs"]["get"]["responses"]["200"]["content"]
    assert {"text/event-stream", "application/json"} <= set(logs)
    execute = spec["paths"]["/scripts/{script_id}/execute"]["post"]["responses"]
    assert {"200", "202", "400", "404"} <= set(execute)


def test_real_answers_match_the_schemas(spec, sqlite_server):
    """What the server sends back is what the description says."""
    server = sqlite_server
    alice = server.token("openapi-alice")
    check(spec, "Health", json_of(server.request("GET", "/health")))
    check(spec, "LanguageList", json_of(server.request("GET", "/languages")))

    created = server.request("POST", "/scripts", token=alice, json={
        "name": "openapi-check", "language": "python", "visibility": "public", "tags": ["openapi"],
        "dependencies": [{"name": "requests", "version": ">=2", "scope": "runtime"}],
        "content": "import json, sys\nprint(json.load(open('/scripts/args.json'))['who'])\nprint('warn', file=sys.stderr)\n",
    })
    assert created.status_code == 201, created.text
    script = json_of(created)
    check(spec, "Script", script)
    updated = server.request("PUT", f"/scripts/{script['id']}", token=alice, headers={"If-Match": '"1.0.0"'},
                             json={"version_bump": "minor", "description": "checked"})
    assert updated.status_code == 200, updated.text
    check(spec, "Script", json_of(updated))
    check(spec, "ScriptList", json_of(server.request("GET", "/scripts?tag=openapi")))
    check(spec, "ScriptVersionList", json_of(server.request("GET", f"/scripts/{script['id']}/versions")))
    check(spec, "Script", json_of(server.request("GET", f"/scripts/{script['id']}/versions/1.0.0")))

    accepted = server.request("POST", f"/scripts/{script['id']}/execute", json={"arguments": {"who": "spec"}})
    assert accepted.status_code == 202, accepted.text
    check(spec, "ExecutionAccepted", json_of(accepted))
    waited = server.request("POST", f"/scripts/{script['id']}/execute?wait=true", json={"arguments": {"who": "spec"}, "timeout": 30})
    assert waited.status_code == 200, waited.text
    record = json_of(waited)
    assert record["status"] == "Succeeded", record
    check(spec, "Execution", record)
    check(spec, "ExecutionList", json_of(server.request("GET", f"/scripts/executions?script_id={script['id']}")))
    logs = server.request("GET", f"/scripts/executions/{record['id']}/logs?follow=false")
    check(spec, "Logs", json_of(logs))
    stream = server.request("GET", f"/scripts/executions/{record['id']}/logs")
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    end = stream.text.rsplit("event: end\n", 1)[1]
    check(spec, "LogsEnd", json.loads("\n".join(line[len("data: "):] for line in end.strip().splitlines())))

    adhoc = server.request("POST", "/scripts/executions", token=alice,
                           json={"language": "bash", "content": "echo adhoc\n", "arguments": {"a": "b"}})
    assert adhoc.status_code == 202, adhoc.text
    check(spec, "ExecutionAccepted", json_of(adhoc))
    adhoc_record = json_of(server.request("POST", "/scripts/executions?wait=true", token=alice,
                                          json={"language": "bash", "content": "echo adhoc\n", "timeout": 30}))
    assert (adhoc_record["status"], adhoc_record["script_id"], adhoc_record["stdout"]) == ("Succeeded", None, "adhoc\n"), adhoc_record
    check(spec, "Execution", adhoc_record)
    invalid_adhoc = server.request("POST", "/scripts/executions", token=alice, json={"language": "cobol"})
    assert invalid_adhoc.status_code == 400
    check(spec, "ValidationError", json_of(invalid_adhoc))
    check(spec, "Health", json_of(server.request("GET", "/health", token=alice)))

    first = json_of(accepted)["execution_id"]
    deadline = time.monotonic() + 60
    while json_of(server.request("GET", f"/scripts/executions/{first}"))["status"] in ("Queued", "Running"):
        assert time.monotonic() < deadline, "the first execution did not finish"
        time.sleep(0.2)
    check(spec, "Execution", json_of(server.request("POST", f"/scripts/executions/{first}/cancel", token=alice)))

    invalid = server.request("POST", "/scripts", token=alice, json={"name": "", "language": "cobol", "content": ""})
    assert invalid.status_code == 400
    check(spec, "ValidationError", json_of(invalid))
    syntax = server.request("POST", "/scripts", token=alice, json={"name": "bad", "language": "python", "content": "x = (\n"})
    assert syntax.status_code == 400
    body = json_of(syntax)
    check(spec, "ValidationError", body)
    assert body["errors"][0]["line"] is not None
    bad_token = server.request("GET", "/scripts", token="sst_not-a-token")
    assert bad_token.status_code == 401
    check(spec, "Error", json_of(bad_token))
    missing = server.request("GET", "/scripts/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    check(spec, "Error", json_of(missing))
    conflict = server.request("PUT", f"/scripts/{script['id']}", token=alice, json={"expected_version": "1.0.0"})
    assert conflict.status_code == 409
    check(spec, "Error", json_of(conflict))
    metrics = server.request("GET", "/metrics")
    assert metrics.headers["Content-Type"].startswith("text/plain"), "Prometheus scrapes text/plain"
    assert "# HELP" in metrics.text


def test_the_package_holds_the_document():
    """The handler reads it with importlib.resources (hatch packages every file
    of jupyter_stellascript, so a wheel carries it too)."""
    from importlib import resources

    text = resources.files("jupyter_stellascript").joinpath("openapi.json").read_text(encoding="utf-8")
    assert '"openapi": "3.1' in text
