"""The published JSON Schema of a workflow definition, generated from models.py.

Committed as workflow.schema.json (editors and yaml-language-server read the
file; GET workflows/schema serves the same); ``python -m
jupyter_stellascript.workflows.schema`` writes it, and a test fails when the
committed file differs from the models.
"""

from __future__ import annotations

import json
from pathlib import Path

from .models import WorkflowDefinition

PATH = Path(__file__).with_name("workflow.schema.json")


def json_schema() -> dict:
    schema = WorkflowDefinition.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    PATH.write_text(schema_text(), encoding="utf-8")
    print(f"{PATH}: updated")
