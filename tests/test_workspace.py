"""Scripts as files: checkout into the workspace folder and save back as versions,
against a real registry on SQLite and the real file system."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_stellascript.db import open_database
from jupyter_stellascript.identity import Caller
from jupyter_stellascript.registry import Conflict, NotFound, ScriptRegistry
from jupyter_stellascript.workspace import METADATA, LocalEdits, Workspace, folder_name, sha256_text

ALICE = Caller(name="alice")


@pytest.fixture()
def registry(tmp_path: Path) -> ScriptRegistry:
    return ScriptRegistry(open_database(f"sqlite:///{tmp_path / 'registry.db'}"))


@pytest.fixture()
def workspace(tmp_path: Path, registry: ScriptRegistry) -> Workspace:
    root = tmp_path / "root"
    root.mkdir()
    return Workspace(root, root / "stellascripts", registry)


def create(registry: ScriptRegistry, name: str = "hello-world", language: str = "python",
           content: str = "print('v1')\n", owner: Caller = ALICE) -> dict:
    return registry.create(owner, {"name": name, "language": language, "content": content, "visibility": "public"})


def test_checkout_writes_entry_point_project_files_and_metadata(workspace: Workspace, registry: ScriptRegistry) -> None:
    script = create(registry, language="go", content="package main\nfunc main() {}\n")
    checkout = workspace.checkout(ALICE, script["id"])
    assert checkout.path == f"stellascripts/hello-world/{script['entry_point']}"
    folder = workspace.root_dir / checkout.folder
    assert (workspace.root_dir / checkout.path).read_text() == script["content"]
    assert (folder / "go.mod").read_text().startswith("module ")
    metadata = json.loads((folder / METADATA).read_text())
    assert metadata["script_id"] == script["id"] and metadata["version"] == "1.0.0"
    assert metadata["content_sha256"] == sha256_text(script["content"]) and metadata["project_files"] == ["go.mod"]
    assert workspace.describe(checkout.path)["script_id"] == script["id"]


def test_checkout_of_unchanged_file_does_not_rewrite_it(workspace: Workspace, registry: ScriptRegistry) -> None:
    script = create(registry)
    first = workspace.checkout(ALICE, script["id"])
    entry = workspace.root_dir / first.path
    before = entry.stat().st_mtime_ns
    again = workspace.checkout(ALICE, script["id"])
    assert first.wrote_file and not again.wrote_file
    assert entry.stat().st_mtime_ns == before


def test_local_edits_are_never_overwritten_without_being_asked(workspace: Workspace, registry: ScriptRegistry) -> None:
    script = create(registry)
    entry = workspace.root_dir / workspace.checkout(ALICE, script["id"]).path
    registry.update(ALICE, script["id"], {"content": "print('v2 from elsewhere')\n"})
    entry.write_text("print('my unsaved edit')\n")
    with pytest.raises(LocalEdits, match="not saved as a version") as refused:
        workspace.checkout(ALICE, script["id"])
    assert refused.value.path == "stellascripts/hello-world/script.py"
    assert entry.read_text() == "print('my unsaved edit')\n"
    workspace.checkout(ALICE, script["id"], overwrite=True)
    assert entry.read_text() == "print('v2 from elsewhere')\n"


def test_checkout_follows_a_new_version_when_the_file_is_unedited(workspace: Workspace, registry: ScriptRegistry) -> None:
    script = create(registry)
    entry = workspace.root_dir / workspace.checkout(ALICE, script["id"]).path
    registry.update(ALICE, script["id"], {"content": "print('v2')\n"})
    assert workspace.checkout(ALICE, script["id"]).version == "1.0.1"
    assert entry.read_text() == "print('v2')\n"


def test_save_creates_a_version_with_the_chosen_bump(workspace: Workspace, registry: ScriptRegistry) -> None:
    script = create(registry)
    path = workspace.checkout(ALICE, script["id"]).path
    (workspace.root_dir / path).write_text("print('v2')\n")
    saved = workspace.save(ALICE, path)
    assert saved["created"] and saved["script"]["version"] == "1.0.1"
    (workspace.root_dir / path).write_text("print('v3')\n")
    assert workspace.save(ALICE, path, "minor")["script"]["version"] == "1.1.0"
    assert registry.get(ALICE, script["id"])["content"] == "print('v3')\n"
    # The folder now tracks 1.1.0: a later checkout sees no local edits.
    assert workspace.describe(path)["version"] == "1.1.0"
    assert not workspace.checkout(ALICE, script["id"]).wrote_file


def test_saving_an_unchanged_file_mints_no_version(workspace: Workspace, registry: ScriptRegistry) -> None:
    script = create(registry)
    path = workspace.checkout(ALICE, script["id"]).path
    saved = workspace.save(ALICE, path)
    assert not saved["created"] and saved["script"]["version"] == "1.0.0"
    assert len(registry.versions(ALICE, script["id"])) == 1


def test_save_refuses_when_someone_else_saved_meanwhile(workspace: Workspace, registry: ScriptRegistry) -> None:
    script = create(registry)
    path = workspace.checkout(ALICE, script["id"]).path
    registry.update(ALICE, script["id"], {"content": "print('theirs')\n"})
    (workspace.root_dir / path).write_text("print('mine')\n")
    with pytest.raises(Conflict, match="at version 1.0.1, not 1.0.0"):
        workspace.save(ALICE, path)
    assert (workspace.root_dir / path).read_text() == "print('mine')\n"


def test_old_versions_get_their_own_folder_and_cannot_be_saved(workspace: Workspace, registry: ScriptRegistry) -> None:
    script = create(registry)
    latest = workspace.checkout(ALICE, script["id"])
    registry.update(ALICE, script["id"], {"content": "print('v2')\n"})
    old = workspace.checkout(ALICE, script["id"], version="1.0.0")
    assert old.folder == "stellascripts/hello-world@1.0.0" and old.folder != latest.folder
    assert (workspace.root_dir / old.path).read_text() == "print('v1')\n"
    (workspace.root_dir / old.path).write_text("print('edited old')\n")
    with pytest.raises(Conflict, match="not the latest one"):
        workspace.save(ALICE, old.path)


def test_two_scripts_with_one_name_get_separate_folders(workspace: Workspace, registry: ScriptRegistry) -> None:
    # Names are unique per owner: the same name by two owners, both checked out by one user.
    first, second = create(registry, content="print(1)\n"), create(registry, content="print(2)\n", owner=Caller(name="bob"))
    one, two = workspace.checkout(ALICE, first["id"]), workspace.checkout(ALICE, second["id"])
    assert one.folder != two.folder
    assert (workspace.root_dir / two.path).read_text() == "print(2)\n"


def test_files_outside_the_workspace_or_not_scripts_are_refused(workspace: Workspace, registry: ScriptRegistry) -> None:
    (workspace.root_dir / "notes.py").write_text("x = 1\n")
    with pytest.raises(NotFound, match="not inside the Stella Script workspace"):
        workspace.describe("notes.py")
    with pytest.raises(NotFound, match="not inside"):
        workspace.describe("stellascripts/../../escape.py")
    with pytest.raises(NotFound, match="not a script checked out"):
        workspace.describe("stellascripts/random/file.py")


def test_workspace_outside_the_root_dir_is_refused(tmp_path: Path, registry: ScriptRegistry) -> None:
    with pytest.raises(ValueError, match="not inside the Jupyter root dir"):
        Workspace(tmp_path / "root", tmp_path / "elsewhere", registry)


@pytest.mark.parametrize(("name", "expected"), [("hello world", "hello-world"), ("../etc", "etc"), (".hidden", "hidden"),
                                                ("Überprüfung 2", "Überprüfung-2"), ("///", "script")])
def test_folder_names_are_safe_and_never_hidden(name: str, expected: str) -> None:
    assert folder_name(name) == expected
