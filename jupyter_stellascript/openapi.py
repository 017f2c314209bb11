"""openapi.json: its request and record schemas come from the models.

The paths, parameters, responses and the schemas no model owns are written by
hand in openapi.json itself; ``python -m jupyter_stellascript.openapi``
replaces the model-owned schemas (and the Language enum) with what the models
say and writes the file back. tests/handlers/test_openapi_models.py fails
when the committed file differs from that, so the two cannot drift.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from .execution.records import ExecutionRecord
from .execution.requests import AdhocBody, ExecuteBody
from .execution.sharing import ExecutionSharingRecord, SharingBody
from .languages import LANGUAGES
from .queue.models import WorkerRecord
from .registry.requests import ScriptCreate, ScriptUpdate
from .samples.models import Sample, SampleClone, SampleList
from .secrets.models import SecretCreate, SecretMetadata, SecretReplace
from .notifications.models import DeliveryRecord, NotificationSettingsBody
from .schedules.models import ScheduleCreate, ScheduleRecord, ScheduleRun, ScheduleUpdate
from .webhooks.models import WebhookCreate, WebhookRecord
from .workflows.records import WorkflowRecord, WorkflowRunRecord, WorkflowVersionRecord
from .workflows.requests import (LocalRunBody, RerunBody, WorkflowCheckoutBody, WorkflowCreate, WorkflowRunBody,
                                 WorkflowSaveBody, WorkflowUpdate)

REF = "#/components/schemas/{model}"
# Component name -> (model, JSON-schema mode). Request bodies are described
# as they are validated, records as they are serialized.
MODELS: dict[str, tuple[type[BaseModel], str]] = {
    "ExecuteRequest": (ExecuteBody, "validation"),
    "AdhocExecuteRequest": (AdhocBody, "validation"),
    "ScriptCreate": (ScriptCreate, "validation"),
    "ScriptUpdate": (ScriptUpdate, "validation"),
    "Execution": (ExecutionRecord, "serialization"),
    "ExecutionSharingRequest": (SharingBody, "validation"),
    "ExecutionSharing": (ExecutionSharingRecord, "serialization"),
    "Sample": (Sample, "serialization"),
    "SampleList": (SampleList, "serialization"),
    "SampleClone": (SampleClone, "validation"),
    "SecretCreate": (SecretCreate, "validation"),
    "SecretReplace": (SecretReplace, "validation"),
    "SecretMetadata": (SecretMetadata, "serialization"),
    "WorkflowCreate": (WorkflowCreate, "validation"),
    "WorkflowUpdate": (WorkflowUpdate, "validation"),
    "WorkflowRunRequest": (WorkflowRunBody, "validation"),
    "LocalWorkflowRunRequest": (LocalRunBody, "validation"),
    "WorkflowRerunRequest": (RerunBody, "validation"),
    "WorkflowCheckoutRequest": (WorkflowCheckoutBody, "validation"),
    "WorkflowFileSaveRequest": (WorkflowSaveBody, "validation"),
    "Workflow": (WorkflowRecord, "serialization"),
    "WorkflowVersion": (WorkflowVersionRecord, "serialization"),
    "WorkflowRun": (WorkflowRunRecord, "serialization"),
    "ScheduleCreate": (ScheduleCreate, "validation"),
    "ScheduleUpdate": (ScheduleUpdate, "validation"),
    "Schedule": (ScheduleRecord, "serialization"),
    "ScheduleRun": (ScheduleRun, "serialization"),
    "WebhookCreate": (WebhookCreate, "validation"),
    "Webhook": (WebhookRecord, "serialization"),
    "NotificationSettings": (NotificationSettingsBody, "validation"),
    "NotificationDelivery": (DeliveryRecord, "serialization"),
    "Worker": (WorkerRecord, "serialization"),
}
PATH = Path(__file__).with_name("openapi.json")


class _OpenApiSchema(GenerateJsonSchema):
    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # titles repeat the property names


def model_schemas() -> dict[str, Any]:
    """Every component schema the models own (theirs and what they use: enums, nested models)."""
    renamed = {model.__name__: name for name, (model, _) in MODELS.items()}
    _, definitions = models_json_schema([(model, mode) for model, mode in MODELS.values()],
                                        ref_template=REF, schema_generator=_OpenApiSchema)
    schemas = {renamed.get(name, name): schema for name, schema in definitions["$defs"].items()}
    return _tidy(schemas, {REF.format(model=old): REF.format(model=new) for old, new in renamed.items()})


def _tidy(node: Any, refs: dict[str, str]) -> Any:
    """Component names as the API calls them, and no generated titles."""
    if isinstance(node, list):
        return [_tidy(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    if "x-component" in node:  # a schema openapi.json keeps by hand (fields.LanguageName)
        return {"$ref": REF.format(model=node["x-component"])}
    tidied = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        tidied[key] = refs.get(value, value) if key == "$ref" else _tidy(value, refs)
    return tidied


def build(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its model-owned parts as the models say."""
    schemas = dict(document["components"]["schemas"])
    schemas.update(model_schemas())
    schemas["Language"] = {**schemas.get("Language", {"type": "string"}), "enum": list(LANGUAGES)}
    return {**document, "components": {**document["components"], "schemas": schemas}}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def committed() -> str:
    return resources.files("jupyter_stellascript").joinpath("openapi.json").read_text(encoding="utf-8")


def main() -> int:
    text = render(build(json.loads(committed())))
    changed = text != committed()
    PATH.write_text(text, encoding="utf-8")
    print(f"{PATH}: {'updated' if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
