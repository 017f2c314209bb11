"""TypeScript scripts (``.ts``): type-checked and transpiled to CommonJS by
tsc once (cached), then run on Node.js. Type errors fail the compile, with
their line and column, as they would in any TypeScript project."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..execution.host_runtimes import HostNode
from ..execution.models import ResourceLimits
from ..lsp.formatters import Prettier
from ..lsp.tools import node_types_dir
from .base import ARTIFACT_DIR, BUILD_OUTPUT_DIR, MIB, SCRIPTS_DIR, Language, PoolDefaults, script_path
from .editor import FileType, LanguageServer, json_file

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
