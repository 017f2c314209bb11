"""What the editor side knows about a language: how JupyterLab names and
highlights its files, which language server serves it, and the small data
types a language profile uses to say so.

Formatters are objects of :class:`~jupyter_stellascript.lsp.formatters.Formatter`;
the project files a language server needs beside a lone script come from
:meth:`Language.editor_project_files <jupyter_stellascript.languages.base.Language.editor_project_files>`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FileType:
    """A JupyterLab document file type (``docRegistry.addFileType``). The
    extensions are the language's own (``Language.extensions``)."""

    name: str  # JupyterLab's file type name, e.g. "shell" for Bash
    display_name: str
    mime_types: tuple[str, ...]

    def to_dict(self, extensions: tuple[str, ...]) -> dict[str, Any]:
        return {"name": self.name, "display_name": self.display_name, "mime_types": list(self.mime_types),
                "extensions": list(extensions)}


@dataclass(frozen=True)
class LanguageServer:
    """The language server meant to serve a language in the editor.

    ``server`` is the key of its jupyter-lsp spec (jupyter-lsp's own, such as
    ``pyright``, or ours in lsp/specs.py), or None when the language has none
    on this kind of machine; ``missing`` then says why (GET .../lsp/status
    shows it)."""

    language_id: str  # what editors send (jupyterlab-lsp uses CodeMirror's language names)
    server: str | None
    missing: str | None = None

    def __post_init__(self) -> None:
        if self.server is None and not self.missing:
            raise ValueError(f"language server for {self.language_id!r}: say why there is none (missing=...)")


def json_file(value: object) -> str:
    """A project file's JSON text, as editors and servers write them."""
    return json.dumps(value, indent=2) + "\n"
