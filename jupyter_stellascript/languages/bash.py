"""Bash 5 scripts (``.sh``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..execution.models import ResourceLimits
from .base import MIB, Language, PoolDefaults, script_path


@dataclass(frozen=True)
class Bash(Language):
    def run_argv(self, entry_point: str, source: str) -> list[str]:
        return ["bash", script_path(entry_point)]

    def check_argv(self, entry_point: str, source: str) -> list[str] | None:
        return ["bash", "-n", script_path(entry_point)]


BASH = Bash(
    name="bash",
    display_name="Bash",
    extensions=(".sh", ".bash"),
    default_limits=ResourceLimits(memory_bytes=256 * MIB, cpus=0.5),
    pool=PoolDefaults(min_containers=2, max_containers=10, idle_timeout_s=180),
)
