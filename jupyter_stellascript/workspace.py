"""Scripts as real files: checking a version out into the workspace folder and
saving an edited file back as a new version.

JupyterLab edits files; the registry stores versions. Each script gets a
folder ``<workspace_dir>/<script name>/`` holding its entry point, the project
files a language server needs (:func:`jupyter_stellascript.lsp.project.project_files`)
and ``.stellascript.json``, which records the script and version the folder
was checked out from and the SHA-256 of that version's content. That hash is
how a checkout knows whether the file on disk holds edits no version has yet:
such a file is never overwritten unless the caller says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .identity import Caller
from .lsp.project import project_files
from .registry import ScriptRegistry
from .registry.errors import Conflict, NotFound, ValidationFailed

METADATA = ".stellascript.json"
DEFAULT_FOLDER = "stellascripts"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def folder_name(script_name: str) -> str:
    """A file-system-safe folder name for a script (never hidden, never empty)."""
    name = re.sub(r"[^\w.-]+", "-", script_name.strip()).strip("-.")
    return name or "script"


class LocalEdits(Conflict):
    """The file holds text no version has: the caller must choose (keep it, or overwrite)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Checkout:
    path: str  # the entry point, relative to the Jupyter root dir, with /
    folder: str
    script_id: str
    version: str
    wrote_file: bool

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "folder": self.folder, "script_id": self.script_id,
                "version": self.version, "wrote_file": self.wrote_file}


class Workspace:
    """The workspace folder of one Jupyter server (``c.StellaScript.workspace_dir``)."""

    def __init__(self, root_dir: Path, workspace_dir: Path, registry: ScriptRegistry) -> None:
        self.root_dir = root_dir.resolve()
        self.workspace_dir = workspace_dir.resolve()
        self.registry = registry
        try:
            self.workspace_dir.relative_to(self.root_dir)
        except ValueError:
            # JupyterLab can only open files below its root dir.
            raise ValueError(f"the workspace dir {self.workspace_dir} is not inside the Jupyter root dir {self.root_dir}") from None

    @property
    def relative_dir(self) -> str:
        return self.workspace_dir.relative_to(self.root_dir).as_posix()

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.root_dir).as_posix()

    def _folder_for(self, script: dict, pinned: bool) -> Path:
        """The script's folder: its name, or name + id when another script has that name.

        A pinned (old) version gets a folder of its own, ``<name>@<version>``,
        so looking at it never touches the working copy of the latest one.
        """
        base = folder_name(script["name"]) + (f"@{script['version']}" if pinned else "")
        for candidate in (base, f"{base}-{script['id'][:8]}"):
            folder = self.workspace_dir / candidate
            metadata = read_metadata(folder)
            if metadata is None and not folder.exists():
                return folder
            if metadata is not None and metadata.get("script_id") == script["id"]:
                return folder
        return self.workspace_dir / f"{base}-{script['id']}"


    def checkout(self, caller: Caller, script_id: str, version: str | None = None, overwrite: bool = False) -> Checkout:
        """Write ``version`` (default: the latest) of a script into its folder.

        Raises Conflict when the entry file holds text that is neither the
        version it was checked out from nor the one asked for, unless ``overwrite``.
        """
        script = self.registry.get(caller, script_id, version=version)
        pinned = version is not None and script["version"] != script["latest_version"]
        folder = self._folder_for(script, pinned)
        entry = folder / script["entry_point"]
        try:
            wrote = self._write_entry(entry, script["content"], read_metadata(folder), overwrite)
        except LocalEdits as error:
            raise LocalEdits(str(error), self._relative(entry)) from None
        folder.mkdir(parents=True, exist_ok=True)
        extras = project_files(script["language"], script["entry_point"])
        for name, text in extras.items():
            target = folder / name
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
        self._write_metadata(folder, script, pinned, sorted(extras))
        return Checkout(self._relative(entry), self._relative(folder), script["id"], script["version"], wrote)

    @staticmethod
    def _write_entry(entry: Path, content: str, metadata: dict | None, overwrite: bool) -> bool:
        """Write the entry file unless it already holds ``content``; False when unchanged.

        Not rewriting an identical file matters: JupyterLab compares the file's
        modification time with its own and would report "changed on disk".
        """
        if entry.exists():
            on_disk = entry.read_text(encoding="utf-8")
            if on_disk == content:
                return False
            checked_out = (metadata or {}).get("content_sha256")
            if sha256_text(on_disk) != checked_out and not overwrite:
                raise LocalEdits(f"{entry.name} has changes that are not saved as a version of the script; "
                               "save them first, or ask for overwrite to discard them", str(entry))
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_text(content, encoding="utf-8")
        return True

    @staticmethod
    def _write_metadata(folder: Path, script: dict, pinned: bool, extra_files: list[str]) -> None:
        metadata = {
            "script_id": script["id"], "name": script["name"], "language": script["language"],
            "version": script["version"], "entry_point": script["entry_point"],
            "content_sha256": script["content_sha256"], "pinned": pinned, "project_files": extra_files,
        }
        (folder / METADATA).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")

    def describe(self, path: str) -> dict:
        """The script a workspace file belongs to (its folder's metadata); NotFound if none."""
        entry = self._resolve(path)
        metadata = read_metadata(entry.parent)
        if metadata is None or metadata.get("entry_point") != entry.name:
            raise NotFound(f"{path} is not a script checked out into the Stella Script workspace")
        return metadata

    def _resolve(self, path: str) -> Path:
        if not isinstance(path, str) or not path:
            raise ValidationFailed([{"field": "path", "message": "path is required: a file relative to the Jupyter root dir"}])
        entry = (self.root_dir / path).resolve()
        try:
            entry.relative_to(self.workspace_dir)
        except ValueError:
            raise NotFound(f"{path} is not inside the Stella Script workspace ({self.relative_dir})") from None
        return entry

    def save(self, caller: Caller, path: str, version_bump: str = "patch") -> dict:
        """Store the file at ``path`` as a new version of its script.

        The version it was checked out from must still be the latest (Conflict
        otherwise: someone else saved meanwhile). Invalid content raises
        ValidationFailed with line/column; the file keeps the user's text either way.
        """
        metadata = self.describe(path)
        if metadata.get("pinned"):
            raise Conflict(f"{path} is version {metadata['version']}, not the latest one; "
                           "open the latest version to change the script")
        entry = self._resolve(path)
        content = entry.read_text(encoding="utf-8")
        if sha256_text(content) == metadata.get("content_sha256"):
            # Saving an unchanged file must not mint a version.
            script = self.registry.get(caller, metadata["script_id"])
            return {"script": script, "created": False, "warnings": []}
        script = self.registry.update(caller, metadata["script_id"],
                                      {"content": content, "version_bump": version_bump},
                                      expected_version=metadata["version"])
        # Saved, but the compiler had something to say (TypeScript's type errors): the editor shows them at their lines.
        warnings = script.pop("warnings", [])
        # The file keeps its name even if the version's entry point moved (a
        # renamed Java class): the editor has this file open.
        self._write_metadata(entry.parent, {**script, "entry_point": entry.name}, False, metadata.get("project_files", []))
        return {"script": script, "created": True, "warnings": warnings}


def read_metadata(folder: Path) -> dict | None:
    """The folder's Stella Script metadata (a script's or a workflow's), or None when it has none."""
    try:
        return json.loads((folder / METADATA).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        # A damaged metadata file: treat the folder as not ours rather than guess.
        return None
