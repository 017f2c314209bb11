"""The project context a language server needs beside a lone script.

A script edited in JupyterLab is checked out as a real file in its own folder
(``<root_dir>/stellascripts/<script>/<entry point>``). Language servers work
on projects, not files: gopls wants a ``go.mod``, tsserver a ``tsconfig.json``,
Eclipse JDT LS an Eclipse project. :func:`project_files` says which files to
write beside the entry point so each server treats the folder as a project
whose settings match how the script is run (the runtime images' versions).
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape

from ..languages import get_language
from .tools import node_types_dir

# The runtime images: Debian bookworm's Python 3.11, Go 1.23, OpenJDK 17.
PYTHON_VERSION = "3.11"
GO_VERSION = "1.23"
JAVA_RELEASE = "17"

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
    builder = _BUILDERS.get(spec.name)
    return builder(entry_point, folder_name or entry_point.rsplit(".", 1)[0]) if builder else {}


def _python(entry_point: str, project_name: str) -> dict[str, str]:
    config = {"pythonVersion": PYTHON_VERSION, "typeCheckingMode": "standard", "include": [entry_point]}
    return {"pyrightconfig.json": _json(config)}


def _typescript(entry_point: str, project_name: str) -> dict[str, str]:
    # The same options tsc gets in the runtime image (languages/typescript.py),
    # with Node's types from the editor tools' own node_modules (the script's
    # folder has none, and the runtime image's are not on the host).
    config = {
        "compilerOptions": {
            "target": "ES2022", "module": "commonjs", "moduleResolution": "node", "lib": ["ES2022"],
            "types": ["node"], "typeRoots": [str(node_types_dir())],
            "esModuleInterop": True, "skipLibCheck": True, "strict": False, "noEmit": True,
        },
        "files": [entry_point],
    }
    return {"tsconfig.json": _json(config)}


def _go(entry_point: str, project_name: str) -> dict[str, str]:
    return {"go.mod": f"module stellascript/script\n\ngo {GO_VERSION}\n"}


def _java(entry_point: str, project_name: str) -> dict[str, str]:
    # An Eclipse project whose source folder is the script's folder: JDT LS
    # imports it as a real project (classpath = the JDK) instead of treating
    # the file as a stray one with only syntax checks.
    project = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<projectDescription>\n'
        "\t<name>stellascript-{name}</name>\n\t<comment></comment>\n\t<projects></projects>\n"
        "\t<buildSpec>\n\t\t<buildCommand>\n\t\t\t<name>org.eclipse.jdt.core.javabuilder</name>\n"
        "\t\t\t<arguments></arguments>\n\t\t</buildCommand>\n\t</buildSpec>\n"
        "\t<natures>\n\t\t<nature>org.eclipse.jdt.core.javanature</nature>\n\t</natures>\n"
        "</projectDescription>\n"
    ).format(name=escape(project_name))
    classpath = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<classpath>\n'
        '\t<classpathentry kind="src" path=""/>\n'
        '\t<classpathentry kind="con" path="org.eclipse.jdt.launching.JRE_CONTAINER/'
        f'org.eclipse.jdt.internal.debug.ui.launcher.StandardVMType/JavaSE-{JAVA_RELEASE}"/>\n'
        '\t<classpathentry kind="output" path=".bin"/>\n'
        "</classpath>\n"
    )
    return {".project": project, ".classpath": classpath}


def _json(value: object) -> str:
    return json.dumps(value, indent=2) + "\n"


_BUILDERS = {"python": _python, "typescript": _typescript, "go": _go, "java": _java}
