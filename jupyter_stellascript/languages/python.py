"""Python 3 scripts (``.py``), run unbuffered so output streams live."""

from __future__ import annotations

from dataclasses import dataclass

from ..execution.models import ResourceLimits
from .base import MIB, Language, PoolDefaults, script_path


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


PYTHON = Python(
    name="python",
    display_name="Python",
    extensions=(".py",),
    default_limits=ResourceLimits(memory_bytes=512 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=2, max_containers=10, idle_timeout_s=300),
)
