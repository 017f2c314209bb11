"""Which language server serves each language (and what is missing), and a
server that dies being replaced: through a real Jupyter server."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from tests.lsp.conftest import JupyterServer, check_schema, checkout
from tests.lsp.lsp_client import LspClient, LspError
from tests.servers import RunningServer

STATUS = "stellascript/api/v1/lsp/status"


def test_status_names_each_languages_server_and_the_csharp_gap(jupyter_server):
    response = jupyter_server.request("GET", STATUS)
    assert response.status_code == 200, response.text
    body = response.json()
    check_schema("LspStatus", body)
    assert body["jupyter_lsp"] is True
    languages = body["languages"]
    assert set(languages) == {"python", "typescript", "bash", "go", "java", "csharp"}
    expected = {"python": "pyright", "typescript": "typescript-language-server", "bash": "bash-language-server",
                "go": "gopls", "java": "jdtls"}
    for language, server in expected.items():
        assert languages[language]["server"] == server
        assert languages[language]["available"] is True, languages[language]
        assert languages[language]["missing"] is None
    assert languages["csharp"]["available"] is False
    assert "no C# language server" in languages["csharp"]["missing"]


def test_servers_and_formatters_that_are_not_installed_are_reported(tmp_path: Path):
    empty_tools = tmp_path / "no-tools"
    empty_tools.mkdir()
    # Without the tools folder, and without any gopls someone installed on PATH.
    path = os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "gopls").exists())
    server = JupyterServer(tmp_path / "root", tmp_path / "data", env={"STELLASCRIPT_LSP_TOOLS": str(empty_tools), "PATH": path})
    server.start()
    try:
        languages = server.request("GET", STATUS).json()["languages"]
        formatted = server.request("POST", "stellascript/api/v1/format", json={"language": "typescript", "source": "let x=1"})
    finally:
        server.stop()
    for language in ("python", "typescript", "bash", "go"):
        assert languages[language]["available"] is False, languages[language]
        assert "make setup" in languages[language]["missing"], languages[language]
    assert languages["java"]["available"] is True  # JDT LS comes from the Python environment, not the tools folder
    assert formatted.status_code == 503, formatted.text
    assert "prettier is not installed" in formatted.json()["message"] and "make setup" in formatted.json()["message"]


def _children_running(parent_pid: int, needle: str) -> list[int]:
    """Processes below ``parent_pid`` whose command line contains ``needle``."""
    children: dict[int, list[int]] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # the process ended while we looked
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [parent_pid]
    while pending:
        for child in children.get(pending.pop(), []):
            pending.append(child)
            if needle in commands.get(child, ""):
                found.append(child)
    return found


def test_a_language_server_that_dies_is_replaced_behind_the_editors_connection(jupyter_server):
    """JupyterLab's LSP client does not reconnect: the same websocket must keep
    working, with the new server knowing the open document as edited."""
    path = checkout(jupyter_server, "python", "py-restart", "main.py", "xs = []\n")

    async def session() -> None:
        client = await LspClient.connect(jupyter_server.ws_url("pyright"), jupyter_server.token)
        try:
            await client.initialize(jupyter_server.root_dir, jupyter_server.workspace_configuration("pyright"))
            uri = await client.open(path, "python")
            await client.change(uri, "xs = []\nxs.\n", 2)
            assert "append" in await client.completion_labels(uri, 1, 3)
            servers = _children_running(jupyter_server.process.pid, "pyright")
            assert servers, "no pyright process below the Jupyter server"
            for pid in servers:
                os.kill(pid, signal.SIGKILL)
            # An edit the dead server never saw, then a completion in it.
            await client.change(uri, "xs = []\nxs.\nname = 'a'\nname.\n", 3)
            deadline = asyncio.get_running_loop().time() + 60
            while True:
                try:
                    labels = await client.completion_labels(uri, 3, 5, timeout_s=5)
                    break
                except (asyncio.TimeoutError, LspError):
                    # Sent to the dead process, or before the new one initialized.
                    assert asyncio.get_running_loop().time() < deadline, "no answer from a new pyright"
            assert "upper" in labels, labels
            assert not set(servers) & set(_children_running(jupyter_server.process.pid, "pyright"))
            assert client.connection.close_code is None, "the editor's websocket was closed"
        finally:
            await client.close()

    asyncio.run(session())
    status = jupyter_server.request("GET", STATUS).json()["languages"]["python"]
    assert status["restarts"] >= 1, status


def test_a_headless_server_says_it_has_no_language_servers_but_formats(tmp_path: Path):
    server = RunningServer(tmp_path / "headless", settings={"pool_enabled": False}).start(wait_for_engine=False)
    try:
        token = server.token("editor")
        status = server.request("GET", "/lsp/status", token=token)
        formatted = server.request("POST", "/format", token=token, json={"language": "bash", "source": "if true;then\necho x\nfi\n"})
    finally:
        server.stop()
    assert status.status_code == 200, status.text
    body = status.json()
    check_schema("LspStatus", body)
    assert body["jupyter_lsp"] is False
    assert all(entry["available"] is False and entry["missing"] for entry in body["languages"].values()), body
    assert formatted.status_code == 200, formatted.text
    assert formatted.json()["source"] == "if true; then\n\techo x\nfi\n"
