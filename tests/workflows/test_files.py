"""Workflows as files of the workspace: checkout with the schema modeline,
save as the next version, refused definitions with their line in the file.
A real registry and workflow store (SQLite) and real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_stellascript.errors import NotFound, ValidationFailed
from jupyter_stellascript.workflows.files import WorkflowFiles
from jupyter_stellascript.workflows.lines import line_of
from jupyter_stellascript.workflows.schema import schema_text
from jupyter_stellascript.workspace import LocalEdits, Workspace
from tests.workflows.conftest import ALICE, add_script

DEFINITION = "steps:\n  - id: disk\n    script: probe\n"


@pytest.fixture()
def files(tmp_path, registry, store) -> WorkflowFiles:
    root = tmp_path / "root"
    (root / "stellascripts").mkdir(parents=True)
    return WorkflowFiles(Workspace(root, root / "stellascripts", registry), store)


def test_a_workflow_is_checked_out_edited_and_saved_as_its_next_version(files, registry, store):
    add_script(registry, "probe")
    workflow = store.create(ALICE, {"name": "release", "definition": DEFINITION})
    checkout = files.checkout(ALICE, workflow["id"])
    assert checkout.path == "stellascripts/release.workflow/release.workflow.yaml" and checkout.wrote_file
    entry = files.workspace.root_dir / checkout.path
    schema = entry.parent / "workflow.schema.json"
    assert schema.read_text() == schema_text()
    first, rest = entry.read_text().split("\n", 1)
    assert first == f"# yaml-language-server: $schema={schema.as_uri()}" and rest == DEFINITION
    assert files.describe(checkout.path)["workflow_id"] == workflow["id"]
    assert files.save(ALICE, checkout.path)["created"] is False  # unchanged: no version
    assert files.checkout(ALICE, workflow["id"]).wrote_file is False

    # A refused definition: every problem at its line of the file (modeline included), nothing stored.
    entry.write_text(f"{first}\n{DEFINITION}  - id: smoke\n    needs: [smok]\n    script: probe\n"
                     "    arguments: {m: \"${{ steps.nope.outputs.x }}\"}\n")
    with pytest.raises(ValidationFailed) as refused:
        files.save(ALICE, checkout.path)
    lines = {problem["field"]: problem.get("line") for problem in refused.value.errors}
    assert lines == {"definition.steps[1].needs": 6, "definition.steps[1].arguments.m": 8}, refused.value.errors
    assert store.get(ALICE, workflow["id"])["latest_version"] == "1.0.0"

    edited = DEFINITION + "  - id: smoke\n    needs: [disk]\n    script: probe\n"
    entry.write_text(f"{first}\n{edited}")
    saved = files.save(ALICE, checkout.path, "minor")
    assert saved["created"] and saved["workflow"]["version"] == "1.1.0"
    assert store.get(ALICE, workflow["id"])["content"] == edited  # the modeline is the editor's, not the workflow's
    assert files.save(ALICE, checkout.path)["created"] is False

    # Edits no version has are kept unless overwrite.
    entry.write_text(f"{first}\n{edited}# mine\n")
    with pytest.raises(LocalEdits):
        files.checkout(ALICE, workflow["id"])
    assert files.checkout(ALICE, workflow["id"], overwrite=True).wrote_file
    assert entry.read_text() == f"{first}\n{edited}"


def test_only_checked_out_workflow_files_are_workflows(files, registry, store):
    with pytest.raises(NotFound):
        files.describe("stellascripts/elsewhere.workflow.yaml")
    with pytest.raises(NotFound):
        files.describe("outside.workflow.yaml")


def test_api_problems_of_a_text_definition_carry_their_line(registry, store):
    add_script(registry, "probe")
    text = DEFINITION + "  - id: b\n    needs: [nope]\n    script: probe\n"
    with pytest.raises(ValidationFailed) as refused:
        store.create(ALICE, {"name": "lined", "definition": text})
    assert [(p["field"], p["line"]) for p in refused.value.errors] == [("definition.steps[1].needs", 5)]


@pytest.mark.parametrize(("field", "line"), [
    ("definition.steps[1].needs", 5), ("steps[1].arguments.m", 6), ("steps[1].missing", 4), ("inputs.x", 1), ("definition", 1)])
def test_a_field_path_finds_its_line(field, line):
    text = "steps:\n  - id: a\n    script: x\n  - id: b\n    needs: [smok]\n    arguments: {m: 1}\n"
    assert line_of(text, field) == line


def test_text_that_is_not_yaml_has_no_line():
    assert line_of("steps: [", "steps") is None
