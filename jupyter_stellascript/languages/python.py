"""Python 3 scripts (``.py``), run unbuffered so output streams live."""

from __future__ import annotations

from dataclasses import dataclass

from ..execution.models import ResourceLimits
from .base import MIB, Language, PoolDefaults, script_path


@dataclass(frozen=True)
class Python(Language):
    def run_argv(self, entry_point: str, source: str) -> list[str]:
        return ["python3", "-u", script_path(entry_point)]


PYTHON = Python(
    name="python",
    display_name="Python",
    extensions=(".py",),
    default_limits=ResourceLimits(memory_bytes=512 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=2, max_containers=10, idle_timeout_s=300),
)
