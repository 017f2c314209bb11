"""/workspace and /samples over HTTP, on a headless server with API tokens (the
JupyterLab panel's endpoints): checkout, local edits kept, save as a version
with the syntax check's line numbers, ownership and the samples."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.servers import RunningServer, json_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def owner(sqlite_server: RunningServer) -> str:
    return sqlite_server.token("workspace-owner")


def workspace_root(server: RunningServer) -> Path:
    # `stellascript serve` serves its data directory as the Jupyter root dir.
    return server.data_dir


def new_script(server: RunningServer, token: str, content: str = "print('v1')\n") -> dict:
    name = f"ws-{uuid.uuid4().hex[:8]}"
    response = server.request("POST", "/scripts", token=token, json={"name": name, "language": "python", "content": content})
    assert response.status_code == 201, response.text
    return json_of(response)


def test_checkout_edit_and_save_over_http(sqlite_server: RunningServer, owner: str) -> None:
    script = new_script(sqlite_server, owner)
    where = json_of(sqlite_server.request("GET", "/workspace", token=owner))
    assert where == {"workspace_dir": "stellascripts"}
    checkout = json_of(sqlite_server.request("POST", "/workspace/checkout", token=owner, json={"script_id": script["id"]}))
    assert checkout["path"] == f"stellascripts/{script['name']}/script.py" and checkout["version"] == "1.0.0"
    entry = workspace_root(sqlite_server) / checkout["path"]
    assert entry.read_text() == "print('v1')\n"
    described = json_of(sqlite_server.request("GET", "/workspace", token=owner, params={"path": checkout["path"]}))
    assert described["file"]["script_id"] == script["id"] and not described["file"]["pinned"]

    entry.write_text("import json\n\nprint('v2')\n")
    saved = json_of(sqlite_server.request("POST", "/workspace/save", token=owner,
                                          json={"path": checkout["path"], "version_bump": "minor"}))
    assert saved["created"] and saved["script"]["version"] == "1.1.0"
    assert json_of(sqlite_server.request("GET", f"/scripts/{script['id']}", token=owner))["content"] == "import json\n\nprint('v2')\n"


def test_a_syntax_error_comes_back_with_its_line_and_the_file_is_kept(sqlite_server: RunningServer, owner: str) -> None:
    script = new_script(sqlite_server, owner)
    checkout = json_of(sqlite_server.request("POST", "/workspace/checkout", token=owner, json={"script_id": script["id"]}))
    entry = workspace_root(sqlite_server) / checkout["path"]
    entry.write_text("x = 1\n\ndef broken(:\n    pass\n")
    response = sqlite_server.request("POST", "/workspace/save", token=owner, json={"path": checkout["path"]})
    assert response.status_code == 400, response.text
    errors = json_of(response)["errors"]
    assert [(e["field"], e["line"]) for e in errors] == [("content", 3)], errors
    assert entry.read_text() == "x = 1\n\ndef broken(:\n    pass\n"
    assert json_of(sqlite_server.request("GET", f"/scripts/{script['id']}", token=owner))["version"] == "1.0.0"


def test_local_edits_answer_409_with_the_path_until_overwrite(sqlite_server: RunningServer, owner: str) -> None:
    script = new_script(sqlite_server, owner)
    checkout = json_of(sqlite_server.request("POST", "/workspace/checkout", token=owner, json={"script_id": script["id"]}))
    sqlite_server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"content": "print('theirs')\n"})
    entry = workspace_root(sqlite_server) / checkout["path"]
    entry.write_text("print('mine, unsaved')\n")
    refused = sqlite_server.request("POST", "/workspace/checkout", token=owner, json={"script_id": script["id"]})
    assert refused.status_code == 409
    assert json_of(refused)["path"] == checkout["path"] and "not saved as a version" in json_of(refused)["message"]
    assert entry.read_text() == "print('mine, unsaved')\n"
    replaced = sqlite_server.request("POST", "/workspace/checkout", token=owner,
                                     json={"script_id": script["id"], "overwrite": True})
    assert replaced.status_code == 200 and entry.read_text() == "print('theirs')\n"


def test_another_users_script_cannot_be_saved(sqlite_server: RunningServer, owner: str) -> None:
    script = new_script(sqlite_server, owner)
    sqlite_server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"visibility": "public"})
    checkout = json_of(sqlite_server.request("POST", "/workspace/checkout", token=owner, json={"script_id": script["id"]}))
    (workspace_root(sqlite_server) / checkout["path"]).write_text("print('hijack')\n")
    stranger = sqlite_server.token("workspace-stranger")
    response = sqlite_server.request("POST", "/workspace/save", token=stranger, json={"path": checkout["path"]})
    assert response.status_code == 403, response.text
    assert sqlite_server.request("POST", "/workspace/save", json={"path": checkout["path"]}).status_code == 401


@pytest.mark.parametrize(("body", "field"), [({}, "script_id"), ({"script_id": "x", "version": 1}, "version"),
                                              ({"script_id": "x", "overwrite": "yes"}, "overwrite")])
def test_bad_checkout_requests_name_the_field(sqlite_server: RunningServer, owner: str, body: dict, field: str) -> None:
    response = sqlite_server.request("POST", "/workspace/checkout", token=owner, json=body)
    assert response.status_code == 400
    assert [e["field"] for e in json_of(response)["errors"]] == [field]


def test_files_outside_the_workspace_are_not_scripts(sqlite_server: RunningServer, owner: str) -> None:
    response = sqlite_server.request("POST", "/workspace/save", token=owner, json={"path": "../etc/passwd"})
    assert response.status_code == 404 and "not inside the Stella Script workspace" in json_of(response)["message"]


def test_samples_are_listed_for_anyone(sqlite_server: RunningServer) -> None:
    samples = json_of(sqlite_server.request("GET", "/samples"))["items"]
    assert {"language": "go", "file": "inspect.go"}.items() <= next(s for s in samples if s["language"] == "go").items()
    assert all(s["content"] and s["summary"] for s in samples)


def test_every_language_template_is_valid_and_greets_its_argument(sqlite_server: RunningServer, owner: str) -> None:
    templates = json_of(sqlite_server.request("GET", "/templates"))["items"]
    assert sorted(t["language"] for t in templates) == sorted(["python", "bash", "typescript", "go", "java", "csharp"])
    for template in templates:
        created = sqlite_server.request("POST", "/scripts", token=owner, json={
            "name": f"template-{template['language']}-{uuid.uuid4().hex[:6]}", "language": template["language"],
            "content": template["content"], "entry_point": template["file"]})
        assert created.status_code == 201, f"{template['language']}: {created.text}"
        script_id = json_of(created)["id"]
        run = json_of(sqlite_server.request("POST", f"/scripts/{script_id}/execute?wait=true", token=owner,
                                            json={"arguments": {"name": "Stella"}}))
        assert (template["language"], run["status"], run["stdout"]) == (template["language"], "Succeeded", "Hello, Stella!\n"), run
        plain = json_of(sqlite_server.request("POST", f"/scripts/{script_id}/execute?wait=true", token=owner, json={}))
        assert plain["stdout"] == "Hello, world!\n", plain
