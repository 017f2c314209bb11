"""TypeScript scripts (``.ts``): type-checked and transpiled to CommonJS by
tsc once (cached), then run on Node.js. Type errors fail the compile, with
their line and column, as they would in any TypeScript project."""

from __future__ import annotations

from dataclasses import dataclass

from ..execution.models import ResourceLimits
from .base import ARTIFACT_DIR, BUILD_OUTPUT_DIR, MIB, SCRIPTS_DIR, Language, PoolDefaults, script_path

TYPE_ROOTS = "/opt/stellascript/typescript/node_modules/@types"
TSC_OPTIONS = [
    "--target", "ES2022", "--module", "commonjs", "--moduleResolution", "node",
    "--lib", "ES2022", "--types", "node", "--typeRoots", TYPE_ROOTS,
    "--esModuleInterop", "--skipLibCheck", "--noEmitOnError", "--pretty", "false",
]


@dataclass(frozen=True)
class TypeScript(Language):
    def compile_argv(self, entry_point: str, source: str) -> list[str] | None:
        return ["tsc", *TSC_OPTIONS, "--rootDir", SCRIPTS_DIR, "--outDir", BUILD_OUTPUT_DIR, script_path(entry_point)]

    def run_argv(self, entry_point: str, source: str) -> list[str]:
        return ["node", f"{ARTIFACT_DIR}/{entry_point.removesuffix('.ts')}.js"]


TYPESCRIPT = TypeScript(
    name="typescript",
    display_name="TypeScript",
    extensions=(".ts",),
    default_limits=ResourceLimits(memory_bytes=512 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=2, max_containers=8, idle_timeout_s=300),
)
