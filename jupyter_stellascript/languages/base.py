"""What the engine needs to know about a language, and nothing else.

Each language module defines one :class:`Language` and registers it in
``languages/__init__.py``; the profile holds everything the product knows
about the language (docs/adding-a-language.md lists it). Commands run inside
the language's runtime image (built from ``runtimes/<name>/``) with this
layout:

- ``/scripts/<entry point>``: the script, read-only, with ``/scripts/args.json``;
- ``/scripts/.build/``: the compiled artifact (for compiled languages), read-only;
- ``/work``: a scratch tmpfs for this execution only (``work_bytes``); a
  compile step writes its artifact to ``/work/build``, which the agent sends
  to the host's compile cache;
- ``/tmp``: a size-limited tmpfs (every writable path: README, "How a run is isolated").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..execution.models import ResourceLimits
from .editor import FileType, LanguageServer

if TYPE_CHECKING:
    from ..execution.host_runtimes import ImageExtra
    from ..lsp.formatters import Formatter

SCRIPTS_DIR = "/scripts"
ARTIFACT_DIR = "/scripts/.build"
WORK_DIR = "/work"
BUILD_OUTPUT_DIR = "/work/build"

MIB = 1024 * 1024
DEFAULT_TIMEOUT_S = 300.0

_SAFE_ENTRY_POINT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
# Room under the 255-byte NAME_MAX for what compilers derive from it (Main.java -> Main$Inner.class).
MAX_ENTRY_POINT_BYTES = 200


@dataclass(frozen=True)
class PoolDefaults:
    """Warm-pool sizing for a language (design: container_pool.languages)."""

    min_containers: int = 1
    max_containers: int = 5
    idle_timeout_s: float = 300.0


@dataclass(frozen=True)
class Language:
    """A language the engine can run.

    ``compile_argv`` is None for interpreted languages. When present, it must
    write everything the run needs into ``BUILD_OUTPUT_DIR`` (regular files
    and folders only); the engine caches that directory on the host and
    mounts it at ``ARTIFACT_DIR``.

    The editor fields (``file_type``, ``language_server``, ``formatter``) and
    ``bench_hello`` have defaults only because dataclass fields after a
    default must have one: every language states them, or says why it has
    none (``formatter_missing``, ``LanguageServer.missing``).
    """

    name: str
    display_name: str
    extensions: tuple[str, ...]
    default_limits: ResourceLimits
    aliases: tuple[str, ...] = ()  # other names people use for it (lower case)
    default_timeout_s: float = DEFAULT_TIMEOUT_S
    pool: PoolDefaults = field(default_factory=PoolDefaults)
    # Environment the runtime needs inside the container, on top of the image's.
    runtime_environment: tuple[tuple[str, str], ...] = ()
    # Host runtimes copied into the image at build time (execution/host_runtimes.py).
    image_extras: tuple[ImageExtra, ...] = ()
    # The key of its resolver in dependencies/__init__.py (a package source
    # in DependencySettings.sources); None: scripts cannot declare dependencies.
    dependency_ecosystem: str | None = None
    file_type: FileType | None = None
    language_server: LanguageServer | None = None
    formatter: Formatter | None = None
    formatter_missing: str = ""  # why there is no formatter, when formatter is None
    # A script printing exactly "hi" (bench/run_bench.py times it).
    bench_hello: str = ""
    # What starts a line comment ("#", "//"): the inline "/// stellascript"
    # parameter block is written in it (parameters/inline.py).
    line_comment: str = ""
    # The one line that reads the run's arguments (/scripts/args.json) in
    # this language, as the Run form shows it.
    read_arguments: str = ""

    def __post_init__(self) -> None:
        unstated = [name for name, value in (("file_type", self.file_type), ("language_server", self.language_server),
                                             ("bench_hello", self.bench_hello)) if not value]
        if self.formatter is None and not self.formatter_missing:
            unstated.append("formatter (or formatter_missing: why there is none)")
        unstated += [name for name, value in (("line_comment", self.line_comment), ("read_arguments", self.read_arguments)) if not value]
        if unstated:
            raise ValueError(f"language {self.name!r} does not state its {', '.join(unstated)}")

    @property
    def image(self) -> str:
        return f"stella-runtime/{self.name}:latest"

    def is_compiled(self, entry_point: str) -> bool:
        return self.compile_argv(entry_point, "") is not None

    def default_entry_point(self, source: str) -> str:
        return "script" + self.extensions[0]

    def compile_argv(self, entry_point: str, source: str) -> list[str] | None:
        """The command that compiles the script into BUILD_OUTPUT_DIR, if any."""
        return None

    def configured(self, options: Mapping[str, Any]) -> "Language":
        """This language with a server's options for it (EngineSettings.language_options); most have none."""
        if options:
            raise ValueError(f"{self.display_name} takes no options, not {', '.join(sorted(options))}")
        return self

    def compile_variant(self, source: str) -> str:
        """What, besides the script and the image, changes what compiling it
        gives (part of its compile-cache key): "" for most languages."""
        return ""

    def compile_warnings(self, build: Path) -> str:
        """Diagnostics that did not fail the compile, as the compiler wrote them
        into the build (a cached build keeps them): "" for none."""
        return ""

    def run_argv(self, entry_point: str, source: str) -> list[str]:
        raise NotImplementedError

    def generated_files(self, entry_point: str, source: str) -> dict[str, str]:
        """Files derived from the script, staged beside it in /scripts
        (names start with '.', which entry points cannot)."""
        return {}

    def check_argv(self, entry_point: str, source: str) -> list[str] | None:
        """A syntax check that runs nothing of the script. Compiled languages
        are checked by compiling; interpreted ones override this."""
        return None

    def parse_diagnostics(self, output: str) -> list[dict]:
        """Diagnostics ({line, column, message}) from compiler/checker output."""
        diagnostics = []
        lines = output.splitlines()
        for index, line in enumerate(lines):
            match = _DIAGNOSTIC.search(line)
            if not match or _ECHOED_SOURCE.match(line[match.end():].strip()):
                continue
            column = match.group("col1") or match.group("col2")
            if column is None:
                column = _caret_column(lines[index + 1:index + 3])
            diagnostics.append({
                "line": int(match.group("line1") or match.group("line2")),
                "column": int(column) if column else None,
                "message": line[match.end():].strip(),
            })
        return diagnostics

    def editor_project_files(self, entry_point: str, project_name: str) -> dict[str, str]:
        """Files (name relative to the script's folder -> content) that make
        the folder a project to the language server (lsp/project.py)."""
        return {}

    def host_command(self, entry_point: str, folder: Path, artifact: Path | None) -> tuple[list[str] | None, str]:
        """The bare runtime on the host running the script in ``folder`` (the
        benchmark's host mode; ``artifact``: the engine's compiled output, if
        any): the argv, or None when the host lacks the runtime, and what it runs."""
        return None, f"no host runtime is described for {self.display_name}"

    def validate_entry_point(self, entry_point: str) -> list[str]:
        """Problems with an entry point name; empty when it is acceptable."""
        problems = []
        if len(entry_point.encode()) > MAX_ENTRY_POINT_BYTES:
            # Checked first: the name is not repeated, and a file system would refuse it later (naming a host path).
            problems.append(f"entry point is {len(entry_point.encode())} bytes long; a file name has at most {MAX_ENTRY_POINT_BYTES}")
        elif not _SAFE_ENTRY_POINT.match(entry_point) or ".." in entry_point:
            problems.append(
                f"entry point {entry_point!r} must be a plain file name "
                "(letters, digits, '_', '-', '.'; no path separators or '..')"
            )
        elif not entry_point.endswith(self.extensions):
            problems.append(f"entry point {entry_point!r} must end with {' or '.join(self.extensions)}")
        elif entry_point in ("args.json", ".build"):
            problems.append(f"entry point {entry_point!r} is reserved")
        return problems


def script_path(entry_point: str) -> str:
    return f"{SCRIPTS_DIR}/{entry_point}"


# file(line,col): message   (tsc, mcs)   or   file:line[:col]: message   (go, javac, python, bash)
_DIAGNOSTIC = re.compile(
    r"^\S+?\((?P<line1>\d+),(?P<col1>\d+)\):\s*"
    r"|^\S+?:(?:\s*line\s+)?(?P<line2>\d+):(?:(?P<col2>\d+):)?\s*"
)


# bash -n follows a syntax error with the offending line in `backquotes'.
_ECHOED_SOURCE = re.compile(r"^`.*'$")


def _caret_column(following: list[str]) -> int | None:
    """javac prints the source line, then a caret under the column."""
    for line in following:
        if line.strip() == "^":
            return line.index("^") + 1
    return None
