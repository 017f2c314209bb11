"""Python 3 scripts (``.py``), run unbuffered so output streams live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..execution.models import ResourceLimits
from ..lsp.formatters import Ruff
from .base import MIB, Language, PoolDefaults, script_path
from .editor import FileType, LanguageServer, json_file

# The runtime image's Python (Debian bookworm), for the editor's type checker.
PYTHON_VERSION = "3.11"


# Compiles without running (and without writing .pyc files) and prints
# file:line:column: message, the shape every other checker prints.
_SYNTAX_CHECK = (
    "import sys\n"
    "path = sys.argv[1]\n"
    "try:\n"
    "    compile(open(path, encoding='utf-8').read(), path, 'exec', dont_inherit=True)\n"
    "except SyntaxError as error:\n"
    "    print(f'{error.filename}:{error.lineno}:{error.offset or 0}: {error.msg}', file=sys.stderr)\n"
    "    sys.exit(1)\n"
)


@dataclass(frozen=True)
class Python(Language):
    def run_argv(self, entry_point: str, source: str) -> list[str]:
        return ["python3", "-u", script_path(entry_point)]

    def check_argv(self, entry_point: str, source: str) -> list[str] | None:
        return ["python3", "-c", _SYNTAX_CHECK, script_path(entry_point)]

    def editor_project_files(self, entry_point: str, project_name: str) -> dict[str, str]:
        config = {"pythonVersion": PYTHON_VERSION, "typeCheckingMode": "standard", "include": [entry_point]}
        return {"pyrightconfig.json": json_file(config)}

    def host_command(self, entry_point: str, folder: Path, artifact: Path | None) -> tuple[list[str] | None, str]:
        python = _host_python()
        return ([python, "-u", str(folder / entry_point)], python) if python else (None, "no python3")


def _host_python() -> str | None:
    """python3 on PATH, skipping pyenv-style shims (a shell script per call)."""
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory) / "python3"
        if "shims" not in candidate.parts and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


PYTHON = Python(
    name="python",
    display_name="Python",
    extensions=(".py",),
    aliases=("py",),
    default_limits=ResourceLimits(memory_bytes=512 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=2, max_containers=10, idle_timeout_s=300),
    dependency_ecosystem="pypi",
    # JupyterLab has its own Python file type; the extension adds none then.
    file_type=FileType(name="python", display_name="Python", mime_types=("text/x-python",)),
    language_server=LanguageServer(language_id="python", server="pyright"),
    formatter=Ruff("ruff format", "ruff (pip install ruff; a dependency of jupyter_stellascript)"),
    read_arguments="args = json.load(open(\"/scripts/args.json\"))",
    line_comment="#",
    bench_hello='print("hi")\n',
)
