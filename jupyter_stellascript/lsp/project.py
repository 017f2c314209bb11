"""The project context a language server needs beside a lone script.

A script edited in JupyterLab is checked out as a real file in its own folder
(``<root_dir>/stellascripts/<script>/<entry point>``). Language servers work
on projects, not files: gopls wants a ``go.mod``, tsserver a ``tsconfig.json``,
Eclipse JDT LS an Eclipse project. :func:`project_files` says which files to
write beside the entry point so each server treats the folder as a project
whose settings match how the script is run (the runtime images' versions);
each language's profile knows its own (``Language.editor_project_files``).
"""

from __future__ import annotations

import re

from ..languages import get_language

# Eclipse refuses project names with these; a folder name has none of them anyway.
_SAFE_FOLDER = re.compile(r'^[^/\\:*?"<>|\x00-\x1f]+$')


def project_files(language: str, entry_point: str, folder_name: str | None = None) -> dict[str, str]:
    """Files (name relative to the script's folder → content) to write beside
    ``entry_point`` so the language's server sees a project.

    ``folder_name`` (the script's folder) names the project where a server
    names projects: JDT LS imports every script folder into one Eclipse
    workspace, and without it two scripts both called Main.java become
    "stellascript-Main" and "stellascript-Main (2)" (both work). Raises
    :class:`~jupyter_stellascript.languages.UnknownLanguage` for a language
    Stella Script does not know and ValueError for an unacceptable entry point
    or folder name."""
    spec = get_language(language)
    problems = spec.validate_entry_point(entry_point)
    if folder_name is not None and not _SAFE_FOLDER.match(folder_name):
        problems.append(f"folder name {folder_name!r} must be a plain folder name (no '/', '\\', ':' or control characters)")
    if problems:
        raise ValueError("; ".join(problems))
    return spec.editor_project_files(entry_point, folder_name or entry_point.rsplit(".", 1)[0])
