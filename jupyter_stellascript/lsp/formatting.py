"""Formatting a script with its ecosystem's formatter, run on the host.

| language   | formatter                       | installed by `make setup` from   |
|------------|---------------------------------|----------------------------------|
| python     | ruff format                     | PyPI (a dependency)              |
| typescript | prettier                        | npm (lsp-servers/)               |
| go         | gofmt                           | the Go toolchain                 |
| bash       | shfmt                           | Debian                           |
| java       | google-java-format (host JDK)   | Maven Central (lsp-servers/jars) |
| csharp     | astyle --mode=cs                | Debian                           |

Each formatter reads the script on stdin and writes the result on stdout; a
script it cannot parse is a :class:`FormatError` carrying the formatter's own
message (with line numbers), a formatter that is not installed a
:class:`FormatterMissing` naming what to install.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..languages import get_language
from .java_home import find_java_home
from .tools import node_modules_dir, tools_dir

FORMAT_TIMEOUT_S = 30.0
MAX_SOURCE_BYTES = 1024 * 1024

GOOGLE_JAVA_FORMAT_VERSION = "1.28.0"
GOOGLE_JAVA_FORMAT_ARTIFACT = f"com.google.googlejavaformat:google-java-format:{GOOGLE_JAVA_FORMAT_VERSION}:jar:all-deps"
GOOGLE_JAVA_FORMAT_SHA256 = "32342e7c1b4600f80df3471da46aee8012d3e1445d5ea1be1fb71289b07cc735"


class FormatError(ValueError):
    """The formatter refused the script (usually a syntax error)."""


class InvalidEntryPoint(ValueError):
    """The file name given for the script is not one its language accepts."""


class FormatterMissing(RuntimeError):
    """The language's formatter is not installed on this host."""


@dataclass(frozen=True)
class Formatter:
    name: str
    install_hint: str

    def command(self, file_name: str) -> list[str] | None:
        """The argv reading stdin and writing stdout, or None when not installed."""
        raise NotImplementedError


class Ruff(Formatter):
    def command(self, file_name: str) -> list[str] | None:
        ruff = Path(sys.prefix) / "bin" / "ruff"
        found = str(ruff) if ruff.exists() else shutil.which("ruff")
        # --isolated: the same result whatever ruff settings the server's
        # working directory happens to have.
        return [found, "format", "--isolated", "--no-cache", "--stdin-filename", file_name, "-"] if found else None


class Prettier(Formatter):
    def command(self, file_name: str) -> list[str] | None:
        script = node_modules_dir() / "prettier" / "bin" / "prettier.cjs"
        node = shutil.which("node")
        if not node or not script.exists():
            return None
        return [node, str(script), "--no-config", "--no-editorconfig", "--stdin-filepath", file_name]


class Gofmt(Formatter):
    def command(self, file_name: str) -> list[str] | None:
        gofmt = shutil.which("gofmt")
        if gofmt is None and shutil.which("go"):
            # gofmt lives beside go in the toolchain, which is not always on PATH.
            sibling = Path(shutil.which("go")).resolve().parent / "gofmt"
            gofmt = str(sibling) if sibling.exists() else None
        return [gofmt] if gofmt else None


class Shfmt(Formatter):
    def command(self, file_name: str) -> list[str] | None:
        shfmt = shutil.which("shfmt")
        return [shfmt, "-filename", file_name] if shfmt else None


class GoogleJavaFormat(Formatter):
    def command(self, file_name: str) -> list[str] | None:
        jar, java_home = google_java_format_jar(), find_java_home(minimum=17)
        if java_home is None or not jar.exists():
            return None
        return [str(java_home / "bin" / "java"), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", str(jar), "-"]


class Astyle(Formatter):
    def command(self, file_name: str) -> list[str] | None:
        astyle = shutil.which("astyle")
        return [astyle, "--mode=cs", "--style=allman", "--indent=spaces=4", "--pad-oper", "--pad-header", "--quiet"] if astyle else None


FORMATTERS: dict[str, Formatter] = {
    "python": Ruff("ruff format", "ruff (pip install ruff; a dependency of jupyter_stellascript)"),
    "typescript": Prettier("prettier", "prettier (make setup installs it with npm into lsp-servers/node_modules)"),
    "go": Gofmt("gofmt", "gofmt (it comes with the Go toolchain: apt-get install golang-go)"),
    "bash": Shfmt("shfmt", "shfmt (apt-get install shfmt)"),
    "java": GoogleJavaFormat("google-java-format", f"google-java-format {GOOGLE_JAVA_FORMAT_VERSION} "
                             "(make setup fetches it from Maven Central) and a JDK 17+"),
    "csharp": Astyle("astyle", "astyle (apt-get install astyle)"),
}


def google_java_format_jar() -> Path:
    return tools_dir() / "jars" / f"google-java-format-{GOOGLE_JAVA_FORMAT_VERSION}-all-deps.jar"


def verify_google_java_format_jar() -> Path:
    """The jar, after checking it is the pinned release (make setup runs this)."""
    jar = google_java_format_jar()
    digest = hashlib.sha256(jar.read_bytes()).hexdigest()
    if digest != GOOGLE_JAVA_FORMAT_SHA256:
        raise RuntimeError(f"{jar} has SHA-256 {digest}, not the pinned {GOOGLE_JAVA_FORMAT_SHA256}: delete it and run make setup")
    return jar


def formatter_for(language: str) -> Formatter:
    return FORMATTERS[get_language(language).name]


def format_source(language: str, source: str, entry_point: str | None = None) -> str:
    """``source`` formatted by the language's formatter. Raises UnknownLanguage,
    InvalidEntryPoint, FormatterMissing, or FormatError with the
    formatter's message."""
    spec = get_language(language)
    if len(source.encode()) > MAX_SOURCE_BYTES:
        raise FormatError(f"the script is {len(source.encode())} bytes; formatting accepts at most {MAX_SOURCE_BYTES}")
    if entry_point is not None:
        problems = spec.validate_entry_point(entry_point)
        if problems:
            raise InvalidEntryPoint("; ".join(problems))
    formatter = FORMATTERS[spec.name]
    file_name = entry_point or spec.default_entry_point(source)
    command = formatter.command(file_name)
    if command is None:
        raise FormatterMissing(f"cannot format {spec.display_name}: {formatter.name} is not installed; install {formatter.install_hint}")
    try:
        result = subprocess.run(command, input=source, capture_output=True, text=True, timeout=FORMAT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise FormatError(f"{formatter.name} did not finish within {FORMAT_TIMEOUT_S:.0f} s") from None
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip() or f"exit code {result.returncode}"
        raise FormatError(f"{formatter.name} could not format the script: {message}")
    return result.stdout
