"""Bash scripts in the editor: bash-language-server (with shellcheck) through jupyter-lsp."""

from __future__ import annotations

import asyncio

from tests.lsp.conftest import checkout
from tests.lsp.lsp_client import LspClient

SOURCE = '''#!/usr/bin/env bash
greeting_text="hello"
greet_user() {
  echo "$1"
}
for name in $(ls /tmp); do echo "$name"; done
greet_user "$greeting_text"
gree
'''


def test_bash_language_server_completes_hovers_and_reports_shellcheck_findings(jupyter_server):
    path = checkout(jupyter_server, "bash", "bash-editing", "main.sh", SOURCE)

    async def session() -> None:
        client = await LspClient.connect(jupyter_server.ws_url("bash-language-server"), jupyter_server.token)
        try:
            await client.initialize(jupyter_server.root_dir, jupyter_server.workspace_configuration("bash-language-server"))
            uri = await client.open(path, "shell")
            # shellcheck's SC2045 on line 6 (0-based 5): iterating over ls output.
            diagnostics = await client.wait_for_diagnostics(
                uri, lambda found: any(d["range"]["start"]["line"] == 5 for d in found))
            assert any("2045" in str(d.get("code")) for d in diagnostics), diagnostics
            labels = await client.completion_labels(uri, 7, 4)
            assert "greeting_text" in labels and "greet_user" in labels, labels
            hover = await client.hover_text(uri, 6, 3)
            assert "greet_user" in hover, hover
        finally:
            await client.close()

    asyncio.run(session())
