"""Workflow files in the editor: yaml-language-server through jupyter-lsp,
with the workflow JSON Schema named by the file's modeline (as the
workspace checkout writes it): completion of a step's keys, hover with the
schema's description, and a schema violation as a diagnostic."""

from __future__ import annotations

import asyncio

from jupyter_stellascript.workflows.files import SCHEMA_FILE, modeline
from jupyter_stellascript.workflows.schema import schema_text
from tests.lsp.lsp_client import LspClient

DEFINITION = """steps:
  - id: disk
    script: disk-space-check
    needs: []
    retr
  - id: smoke
    script: api-smoke-test
    max_parallel: many
"""


def test_yaml_language_server_completes_and_explains_a_workflow_from_its_schema(jupyter_server):
    folder = jupyter_server.root_dir / "stellascripts" / "release.workflow"
    folder.mkdir(parents=True, exist_ok=True)
    schema = folder / SCHEMA_FILE
    schema.write_text(schema_text())
    path = folder / "release.workflow.yaml"
    path.write_text(modeline(schema) + DEFINITION)

    async def session() -> None:
        client = await LspClient.connect(jupyter_server.ws_url("yaml-language-server"), jupyter_server.token)
        try:
            await client.initialize(jupyter_server.root_dir, jupyter_server.workspace_configuration("yaml-language-server"))
            uri = await client.open(path, "yaml")
            # max_parallel must be an integer (line 9 of the file, 0-based 8).
            diagnostics = await client.wait_for_diagnostics(uri, lambda found: any(d["range"]["start"]["line"] == 8 for d in found))
            assert any("integer" in d["message"].lower() for d in diagnostics), diagnostics
            labels = await client.completion_labels(uri, 5, 8)
            assert {"retries", "timeout", "for_each", "continue_on_error"} <= set(labels), labels
            hover = await client.hover_text(uri, 4, 5)
            assert "Steps that end before this one starts" in hover and "workflow.schema.json" in hover, hover
        finally:
            await client.close()

    asyncio.run(session())
