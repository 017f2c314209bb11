"""The editor state kept for replacing a dead language server (the replacement
itself is tested against a real pyright in test_servers.py)."""

from __future__ import annotations

import json

from jupyter_stellascript.lsp.replay import ClientState, apply_change


def _range(start: tuple[int, int], end: tuple[int, int]) -> dict:
    return {"start": {"line": start[0], "character": start[1]}, "end": {"line": end[0], "character": end[1]}}


def test_incremental_and_full_changes_are_applied():
    text = "xs = []\nxs.\n"
    assert apply_change(text, {"range": _range((1, 3), (1, 3)), "text": "append(1)"}) == "xs = []\nxs.append(1)\n"
    assert apply_change(text, {"range": _range((0, 0), (1, 0)), "text": ""}) == "xs.\n"
    assert apply_change(text, {"range": _range((5, 0), (5, 0)), "text": "end\n"}) == text + "end\n"
    assert apply_change(text, {"text": "whole"}) == "whole"


def test_the_replay_reopens_documents_as_edited_and_forgets_closed_ones():
    state = ClientState()
    assert state.replay(1) == [], "nothing to replay before the editor initialized"
    for message in (
        {"id": 1, "method": "initialize", "params": {"rootUri": "file:///root", "capabilities": {}}},
        {"method": "initialized", "params": {}},
        {"method": "workspace/didChangeConfiguration", "params": {"settings": {"java": {"x": 1}}}},
        {"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///a.py", "languageId": "python", "version": 1, "text": "a\n"}}},
        {"method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///b.py", "languageId": "python", "version": 1, "text": "b\n"}}},
        {"method": "textDocument/didChange", "params": {"textDocument": {"uri": "file:///a.py", "version": 4},
                                                        "contentChanges": [{"range": _range((0, 1), (0, 1)), "text": "bc"}]}},
        {"method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///b.py"}}},
    ):
        state.observe(message)
    replay = [json.loads(message) for message in state.replay(2)]
    assert [m["method"] for m in replay] == ["initialize", "initialized", "workspace/didChangeConfiguration", "textDocument/didOpen"]
    assert replay[0]["id"] == "stellascript-restart-2" and replay[0]["params"]["rootUri"] == "file:///root"
    assert replay[2]["params"]["settings"] == {"java": {"x": 1}}
    assert replay[3]["params"]["textDocument"] == {"uri": "file:///a.py", "languageId": "python", "version": 4, "text": "abc\n"}
