"""Workflows as real files: a workflow's definition checked out into the
workspace folder as ``<name>.workflow/<name>.workflow.yaml`` for JupyterLab's
editor, and a saved file stored back as the workflow's next version.

As for scripts (jupyter_stellascript/workspace.py), the folder's
``.stellascript.json`` records the workflow, the version and the SHA-256 of
the text checked out, so a file with edits no version has is never
overwritten unless asked. The file's first line is a yaml-language-server
modeline naming the workflow JSON Schema (a copy in the folder), which gives
completion and hover in the editor; it is the editor's, not the workflow's:
a save leaves it out of the version, and the lines of the problems a save
reports are the file's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ValidationFailed
from ..identity import Caller
from ..registry.errors import NotFound
from ..workspace import METADATA, LocalEdits, Workspace, folder_name, read_metadata, sha256_text
from .lines import with_lines
from .schema import schema_text
from .store import WorkflowStore

SUFFIX = ".workflow.yaml"
SCHEMA_FILE = "workflow.schema.json"
MODELINE = re.compile(r"^# yaml-language-server: .*\n")


def modeline(schema: Path) -> str:
    return f"# yaml-language-server: $schema={schema.as_uri()}\n"


def without_modeline(text: str) -> tuple[str, int]:
    """The definition in a file's text, and how many lines were left out before it."""
    found = MODELINE.match(text)
    return (text[found.end():], 1) if found else (text, 0)


@dataclass(frozen=True)
class WorkflowCheckout:
    path: str
    workflow_id: str
    version: str
    wrote_file: bool

    def to_dict(self) -> dict:
        return {"path": self.path, "workflow_id": self.workflow_id, "version": self.version, "wrote_file": self.wrote_file}


class WorkflowFiles:
    def __init__(self, workspace: Workspace, store: WorkflowStore) -> None:
        self.workspace = workspace
        self.store = store

    def _folder_for(self, workflow: dict) -> Path:
        """``<name>.workflow``, or with the id when another workflow (or a script) has that folder."""
        base = folder_name(workflow["name"]) + ".workflow"
        for candidate in (base, f"{base}-{workflow['id'][:8]}", f"{base}-{workflow['id']}"):
            folder = self.workspace.workspace_dir / candidate
            metadata = read_metadata(folder)
            if (metadata is None and not folder.exists()) or (metadata or {}).get("workflow_id") == workflow["id"]:
                return folder
        return self.workspace.workspace_dir / f"{base}-{workflow['id']}"

    def checkout(self, caller: Caller, workflow_id: str, overwrite: bool = False) -> WorkflowCheckout:
        workflow = self.store.get(caller, workflow_id)
        folder = self._folder_for(workflow)
        folder.mkdir(parents=True, exist_ok=True)
        schema = folder / SCHEMA_FILE
        if not schema.exists() or schema.read_text(encoding="utf-8") != schema_text():
            schema.write_text(schema_text(), encoding="utf-8")
        entry = folder / (folder_name(workflow["name"]) + SUFFIX)
        text = modeline(schema) + (workflow["content"] or "")
        wrote = True
        if entry.exists():
            on_disk = entry.read_text(encoding="utf-8")
            wrote = on_disk != text
            if wrote and sha256_text(on_disk) != (read_metadata(folder) or {}).get("content_sha256") and not overwrite:
                raise LocalEdits(f"{entry.name} has changes that are not saved as a version of the workflow; "
                                 "save them first, or ask for overwrite to discard them", self.workspace._relative(entry))
        if wrote:
            entry.write_text(text, encoding="utf-8")
        self._write_metadata(folder, workflow, entry.name, text)
        return WorkflowCheckout(self.workspace._relative(entry), workflow["id"], workflow["version"], wrote)

    @staticmethod
    def _write_metadata(folder: Path, workflow: dict, file: str, text: str) -> None:
        metadata = {"kind": "workflow", "workflow_id": workflow["id"], "name": workflow["name"],
                    "version": workflow["version"], "file": file, "content_sha256": sha256_text(text)}
        (folder / METADATA).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")

    def describe(self, path: str) -> dict:
        """The workflow a workspace file belongs to; NotFound if none."""
        entry = self.workspace._resolve(path)
        metadata = read_metadata(entry.parent)
        if metadata is None or metadata.get("kind") != "workflow" or metadata.get("file") != entry.name:
            raise NotFound(f"{path} is not a workflow checked out into the Stella Script workspace")
        return metadata

    def save(self, caller: Caller, path: str, version_bump: str = "patch") -> dict:
        """The file as the workflow's next version (409 when another version was saved meanwhile);
        refused definitions are a 400 with each problem at its line of the file."""
        metadata = self.describe(path)
        entry = self.workspace._resolve(path)
        text = entry.read_text(encoding="utf-8")
        if sha256_text(text) == metadata.get("content_sha256"):
            return {"workflow": self.store.get(caller, metadata["workflow_id"]), "created": False}
        definition, skipped = without_modeline(text)
        try:
            workflow = self.store.update(caller, metadata["workflow_id"], {
                "definition": definition, "version_bump": version_bump, "expected_version": metadata["version"]})
        except ValidationFailed as error:
            located = with_lines(definition, error.errors)
            raise ValidationFailed([{**p, "line": p["line"] + skipped} if "line" in p else p for p in located]) from None
        self._write_metadata(entry.parent, workflow, entry.name, text)
        return {"workflow": workflow, "created": True}

