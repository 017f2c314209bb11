"""Go scripts in the editor: gopls through jupyter-lsp, with the go.mod project_files() gives."""

from __future__ import annotations

import asyncio

from tests.lsp.conftest import checkout
from tests.lsp.lsp_client import LspClient

SOURCE = '''package main

import "fmt"

// Add returns the sum of a and b.
func Add(a int, b int) int {
	return a + b
}

func main() {
	fmt.
	fmt.Println(Add(1, 2))
	var unused string = 3
}
'''


def test_gopls_completes_hovers_and_reports_errors(jupyter_server):
    path = checkout(jupyter_server, "go", "go-editing", "main.go", SOURCE)

    async def session() -> None:
        client = await LspClient.connect(jupyter_server.ws_url("gopls"), jupyter_server.token)
        try:
            await client.initialize(jupyter_server.root_dir, jupyter_server.workspace_configuration("gopls"))
            uri = await client.open(path, "go")
            assert "Println" in await client.completion_labels(uri, 10, 5)
            hover = await client.hover_text(uri, 11, 14)
            assert "func Add(a int, b int) int" in hover and "Add returns the sum" in hover, hover
            signatures = await client.signature_labels(uri, 11, 17)
            assert any("Add(a int, b int) int" in label for label in signatures), signatures
            # Line 13 (0-based 12): a string initialised with an int.
            diagnostics = await client.wait_for_diagnostics(
                uri, lambda found: any(d["range"]["start"]["line"] == 12 for d in found))
            messages = [d["message"] for d in diagnostics if d["range"]["start"]["line"] == 12]
            assert any("cannot use 3" in message for message in messages), diagnostics
        finally:
            await client.close()

    asyncio.run(session())
