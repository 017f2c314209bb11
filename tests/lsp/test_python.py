"""Python scripts in the editor: pyright through jupyter-lsp's websocket."""

from __future__ import annotations

import asyncio

from tests.lsp.conftest import checkout
from tests.lsp.lsp_client import LspClient

SOURCE = '''import json


def greet(name: str, times: int) -> str:
    """Say hello."""
    return name * times


xs = []
xs.
print(greet("a", 2))
print(undefined_name)
'''


def test_pyright_completes_hovers_and_reports_errors(jupyter_server):
    path = checkout(jupyter_server, "python", "py-editing", "main.py", SOURCE)

    async def session() -> None:
        client = await LspClient.connect(jupyter_server.ws_url("pyright"), jupyter_server.token)
        try:
            await client.initialize(jupyter_server.root_dir, jupyter_server.workspace_configuration("pyright"))
            uri = await client.open(path, "python")
            assert "append" in await client.completion_labels(uri, 9, 3)
            hover = await client.hover_text(uri, 10, 7)
            assert "def greet(" in hover and "times: int" in hover and "Say hello." in hover, hover
            signatures = await client.signature_labels(uri, 10, 17)
            assert any("times: int" in label for label in signatures), signatures
            # Line 12 (0-based 11): an undefined name; line 10's bare `xs.` is a syntax error.
            diagnostics = await client.wait_for_diagnostics(
                uri, lambda found: any(d["range"]["start"]["line"] == 11 for d in found))
            by_line: dict[int, list[str]] = {}
            for diagnostic in diagnostics:
                by_line.setdefault(diagnostic["range"]["start"]["line"], []).append(diagnostic["message"])
            assert any("undefined_name" in message for message in by_line[11]), by_line
            assert 9 in by_line, by_line
        finally:
            await client.close()

    asyncio.run(session())
