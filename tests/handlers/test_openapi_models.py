"""openapi.json's request and record schemas are the models' own: the
committed file is what ``python -m jupyter_stellascript.openapi`` writes."""

from __future__ import annotations

import json

from jupyter_stellascript import openapi
from jupyter_stellascript.execution.models import ExecutionStatus
from jupyter_stellascript.languages import LANGUAGES


def test_the_committed_document_is_the_generated_one():
    committed = openapi.committed()
    assert openapi.render(openapi.build(json.loads(committed))) == committed, (
        "openapi.json differs from the models: run `python -m jupyter_stellascript.openapi` and commit the result")


def test_statuses_and_languages_come_from_the_code():
    schemas = json.loads(openapi.committed())["components"]["schemas"]
    assert schemas["ExecutionStatus"]["enum"] == [status.value for status in ExecutionStatus]
    assert "TimedOut" in schemas["ExecutionStatus"]["enum"]
    assert schemas["Execution"]["properties"]["status"] == {"$ref": "#/components/schemas/ExecutionStatus"}
    assert schemas["Language"]["enum"] == list(LANGUAGES)


def test_every_model_owned_schema_is_in_the_document():
    schemas = json.loads(openapi.committed())["components"]["schemas"]
    generated = openapi.model_schemas()
    for name, schema in generated.items():
        assert schemas[name] == schema, name
    for body in ("ExecuteRequest", "AdhocExecuteRequest"):
        assert {"memory", "cpus", "timeout", "network_mode", "arguments", "environment"} <= set(schemas[body]["properties"])
