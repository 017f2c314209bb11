"""Go scripts: one ``.go`` file in ``package main``, standard library only
(third-party modules arrive with dependency support)."""

from __future__ import annotations

from dataclasses import dataclass

from ..execution.models import ResourceLimits
from .base import ARTIFACT_DIR, BUILD_OUTPUT_DIR, MIB, WORK_DIR, Language, PoolDefaults, script_path

BINARY = "script"


@dataclass(frozen=True)
class Go(Language):
    def compile_argv(self, entry_point: str, source: str) -> list[str] | None:
        # The image ships a pre-built cache of the common standard packages;
        # Go needs its cache writable, so each compile starts from a copy.
        return [
            "/bin/sh", "-c",
            f'mkdir -p "$GOCACHE" && cp -a "$STELLASCRIPT_GOCACHE_SEED/." "$GOCACHE/" '
            f'&& exec go build -o {BUILD_OUTPUT_DIR}/{BINARY} {script_path(entry_point)}',
        ]

    def run_argv(self, entry_point: str, source: str) -> list[str]:
        return [f"{ARTIFACT_DIR}/{BINARY}"]


GO = Go(
    name="go",
    display_name="Go",
    extensions=(".go",),
    default_limits=ResourceLimits(memory_bytes=512 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=1, max_containers=5, idle_timeout_s=300),
    runtime_environment=(("GOCACHE", f"{WORK_DIR}/gocache"), ("GOPATH", f"{WORK_DIR}/gopath")),
)
