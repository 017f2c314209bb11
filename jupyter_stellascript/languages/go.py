"""Go scripts: one ``.go`` file in ``package main``, standard library only
(third-party modules arrive with dependency support)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..execution.models import ResourceLimits
from ..lsp.formatters import Gofmt
from .base import ARTIFACT_DIR, BUILD_OUTPUT_DIR, MIB, WORK_DIR, Language, PoolDefaults, script_path
from .editor import FileType, LanguageServer

BINARY = "script"
# The runtime image's Go (runtimes/go/Dockerfile: golang-1.23-go), for gopls.
GO_VERSION = "1.23"


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

    def editor_project_files(self, entry_point: str, project_name: str) -> dict[str, str]:
        return {"go.mod": f"module stellascript/script\n\ngo {GO_VERSION}\n"}

    def host_command(self, entry_point: str, folder: Path, artifact: Path | None) -> tuple[list[str] | None, str]:
        go = shutil.which("go")
        if go is None:
            return None, "no go"
        env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-trimpath"}
        subprocess.run([go, "build", "-o", str(folder / BINARY), str(folder / entry_point)], env=env, check=True, capture_output=True)
        return [str(folder / BINARY)], f"binary built by {go}"


GO = Go(
    name="go",
    display_name="Go",
    extensions=(".go",),
    aliases=("golang",),
    default_limits=ResourceLimits(memory_bytes=512 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=1, max_containers=5, idle_timeout_s=300),
    runtime_environment=(("GOCACHE", f"{WORK_DIR}/gocache"), ("GOPATH", f"{WORK_DIR}/gopath")),
    dependency_ecosystem="goproxy",
    file_type=FileType(name="go", display_name="Go", mime_types=("text/x-go",)),
    language_server=LanguageServer(language_id="go", server="gopls"),
    formatter=Gofmt("gofmt", "gofmt (it comes with the Go toolchain: apt-get install golang-go)"),
    read_arguments="data, _ := os.ReadFile(\"/scripts/args.json\"); json.Unmarshal(data, &args)",
    line_comment="//",
    bench_hello='package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
)
