"""TypeScript scripts (``.ts``): type-checked and transpiled to CommonJS by
tsc once (cached), then run on Node.js.

Syntax errors fail the compile, with their line and column. Type errors do
not (tsc emits JavaScript despite them, and Deno, Bun and tsx run such code):
they are reported beside the run and as save-time warnings, unless the
server's ``c.StellaScript.typescript_type_check`` or the script's own
``[typescript] type_check`` (in its ``/// stellascript`` block) is "error".
The compile is tsc's API driven by files/stellascript-tsc.js, staged beside
the script, which tells syntactic diagnostics from semantic ones."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..execution.host_runtimes import HostNode
from ..execution.models import ResourceLimits
from ..lsp.formatters import Prettier
from ..lsp.tools import node_types_dir
from .base import ARTIFACT_DIR, BUILD_OUTPUT_DIR, MIB, SCRIPTS_DIR, Language, PoolDefaults, script_path
from .editor import FileType, LanguageServer, json_file
from ..errors import ValidationFailed
from ..parameters.inline import TYPE_CHECKS, inline_type_check

TYPE_ROOTS = "/opt/stellascript/typescript/node_modules/@types"
TSC_OPTIONS = [
    "--target", "ES2022", "--module", "commonjs", "--moduleResolution", "node",
    "--lib", "ES2022", "--types", "node", "--typeRoots", TYPE_ROOTS,
    "--esModuleInterop", "--skipLibCheck", "--pretty", "false",
]
DRIVER = ".stellascript-tsc.js"
DRIVER_SOURCE = Path(__file__).with_name("files") / "stellascript-tsc.js"
TYPE_ERRORS = ".stellascript-type-errors.txt"  # in the build (and so in its compile-cache entry)


@dataclass(frozen=True)
class TypeScript(Language):
    # "warn": type errors are reported and the script runs; "error": they fail the compile.
    type_check: str = "warn"

    def configured(self, options: Mapping[str, Any]) -> "TypeScript":
        unknown = sorted(set(options) - {"type_check"})
        if unknown or options.get("type_check", self.type_check) not in TYPE_CHECKS:
            raise ValueError(f"TypeScript takes type_check = {' or '.join(map(repr, TYPE_CHECKS))}, not {dict(options)!r}")
        return dataclasses.replace(self, **options)

    def effective_type_check(self, source: str) -> str:
        """The script's own [typescript] type_check, else the server's. A bad block
        is refused at save time; here (an ad-hoc run) it is the server's."""
        try:
            return inline_type_check(source) or self.type_check
        except ValidationFailed:
            return self.type_check

    def compile_variant(self, source: str) -> str:
        return f"type_check={self.effective_type_check(source)}"

    def compile_argv(self, entry_point: str, source: str) -> list[str] | None:
        return ["node", script_path(DRIVER), self.effective_type_check(source), f"{BUILD_OUTPUT_DIR}/{TYPE_ERRORS}",
                *TSC_OPTIONS, "--rootDir", SCRIPTS_DIR, "--outDir", BUILD_OUTPUT_DIR, script_path(entry_point)]

    def generated_files(self, entry_point: str, source: str) -> dict[str, str]:
        return {DRIVER: DRIVER_SOURCE.read_text(encoding="utf-8")}

    def compile_warnings(self, build: Path) -> str:
        try:
            return (build / TYPE_ERRORS).read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def run_argv(self, entry_point: str, source: str) -> list[str]:
        return ["node", f"{ARTIFACT_DIR}/{entry_point.removesuffix('.ts')}.js"]

    def editor_project_files(self, entry_point: str, project_name: str) -> dict[str, str]:
        # The same options tsc gets in the runtime image (TSC_OPTIONS), with
        # Node's types from the editor tools' own node_modules (the script's
        # folder has none, and the runtime image's are not on the host).
        config = {
            "compilerOptions": {
                "target": "ES2022", "module": "commonjs", "moduleResolution": "node", "lib": ["ES2022"],
                "types": ["node"], "typeRoots": [str(node_types_dir())],
                "esModuleInterop": True, "skipLibCheck": True, "strict": False, "noEmit": True,
            },
            "files": [entry_point],
        }
        return {"tsconfig.json": json_file(config)}

    def host_command(self, entry_point: str, folder: Path, artifact: Path | None) -> tuple[list[str] | None, str]:
        node = shutil.which("node")
        if node is None or artifact is None:
            return None, "no node"
        js = artifact / (Path(entry_point).stem + ".js")  # the engine's transpiled output
        return [node, str(js)], f"{node} on the engine's tsc output"


TYPESCRIPT = TypeScript(
    name="typescript",
    display_name="TypeScript",
    extensions=(".ts",),
    aliases=("ts",),
    default_limits=ResourceLimits(memory_bytes=512 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=2, max_containers=8, idle_timeout_s=300),
    image_extras=(HostNode(),),
    dependency_ecosystem="npm",
    file_type=FileType(name="typescript", display_name="TypeScript", mime_types=("application/typescript",)),
    language_server=LanguageServer(language_id="typescript", server="typescript-language-server"),
    formatter=Prettier("prettier", "prettier (make setup installs it with npm into lsp-servers/node_modules)"),
    read_arguments="const args = JSON.parse(readFileSync(\"/scripts/args.json\", \"utf8\"));",
    line_comment="//",
    bench_hello='const greeting: string = "hi";\nconsole.log(greeting);\n',
)
