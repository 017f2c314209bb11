"""Bash 5 scripts (``.sh``)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..execution.models import ResourceLimits
from ..lsp.formatters import Shfmt
from .base import MIB, Language, PoolDefaults, script_path
from .editor import FileType, LanguageServer


@dataclass(frozen=True)
class Bash(Language):
    def run_argv(self, entry_point: str, source: str) -> list[str]:
        return ["bash", script_path(entry_point)]

    def check_argv(self, entry_point: str, source: str) -> list[str] | None:
        return ["bash", "-n", script_path(entry_point)]

    def host_command(self, entry_point: str, folder: Path, artifact: Path | None) -> tuple[list[str] | None, str]:
        bash = shutil.which("bash")
        return ([bash, str(folder / entry_point)], bash) if bash else (None, "no bash")


BASH = Bash(
    name="bash",
    display_name="Bash",
    extensions=(".sh", ".bash"),
    aliases=("sh", "shell"),
    default_limits=ResourceLimits(memory_bytes=256 * MIB, cpus=0.5),
    pool=PoolDefaults(min_containers=2, max_containers=10, idle_timeout_s=180),
    dependency_ecosystem="debian",
    file_type=FileType(name="shell", display_name="Shell", mime_types=("text/x-sh",)),
    language_server=LanguageServer(language_id="bash", server="bash-language-server"),
    formatter=Shfmt("shfmt", "shfmt (apt-get install shfmt)"),
    read_arguments="name=$(jq -r .name /scripts/args.json)",
    line_comment="#",
    bench_hello="echo hi\n",
)
