"""TypeScript scripts in the editor: typescript-language-server (tsserver 5.x)
through jupyter-lsp, with the tsconfig.json project_files() gives (Node's types)."""

from __future__ import annotations

import asyncio

from tests.lsp.conftest import checkout
from tests.lsp.lsp_client import LspClient

SOURCE = '''import * as fs from "fs";

/** Adds two numbers. */
function add(a: number, b: number): number {
  return a + b;
}

console.
console.log(add(1, 2), fs.existsSync("x"));
const count: number = "three";
'''


def test_typescript_language_server_completes_hovers_and_reports_errors(jupyter_server):
    path = checkout(jupyter_server, "typescript", "ts-editing", "main.ts", SOURCE)

    async def session() -> None:
        client = await LspClient.connect(jupyter_server.ws_url("typescript-language-server"), jupyter_server.token)
        try:
            await client.initialize(jupyter_server.root_dir, jupyter_server.workspace_configuration("typescript-language-server"))
            uri = await client.open(path, "typescript")
            assert "log" in await client.completion_labels(uri, 7, 8)
            hover = await client.hover_text(uri, 8, 13)
            assert "function add(a: number, b: number): number" in hover and "Adds two numbers" in hover, hover
            signatures = await client.signature_labels(uri, 8, 19)
            assert any("add(a: number, b: number): number" in label for label in signatures), signatures
            # Node's own module resolves (tsconfig's typeRoots); line 10 (0-based 9) has a type error.
            diagnostics = await client.wait_for_diagnostics(
                uri, lambda found: any(d["range"]["start"]["line"] == 9 for d in found))
            by_line: dict[int, list[str]] = {}
            for diagnostic in diagnostics:
                by_line.setdefault(diagnostic["range"]["start"]["line"], []).append(diagnostic["message"])
            assert any("not assignable to type 'number'" in message for message in by_line[9]), by_line
            assert 0 not in by_line, f"Node's types were not found: {by_line}"
        finally:
            await client.close()

    asyncio.run(session())
