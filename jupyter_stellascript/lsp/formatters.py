"""The formatters scripts are formatted with, run on the host.

A language profile names its formatter (``Language.formatter``); formatting.py
runs it. Each formatter reads the script on stdin and writes the result on
stdout. :meth:`Formatter.command` answers None when the tool is not
installed; the profile's ``install_hint`` then says what to install.

| formatter                       | installed by `make setup` from   |
|---------------------------------|----------------------------------|
| ruff format                     | PyPI (a dependency)              |
| prettier                        | npm (lsp-servers/)               |
| gofmt                           | the Go toolchain                 |
| shfmt                           | Debian                           |
| google-java-format (host JDK)   | Maven Central (lsp-servers/jars) |
| astyle --mode=cs                | Debian                           |
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .java_home import find_java_home
from .tools import node_modules_dir, tools_dir

GOOGLE_JAVA_FORMAT_VERSION = "1.28.0"
GOOGLE_JAVA_FORMAT_ARTIFACT = f"com.google.googlejavaformat:google-java-format:{GOOGLE_JAVA_FORMAT_VERSION}:jar:all-deps"
GOOGLE_JAVA_FORMAT_SHA256 = "32342e7c1b4600f80df3471da46aee8012d3e1445d5ea1be1fb71289b07cc735"


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


def google_java_format_jar() -> Path:
    return tools_dir() / "jars" / f"google-java-format-{GOOGLE_JAVA_FORMAT_VERSION}-all-deps.jar"


def verify_google_java_format_jar() -> Path:
    """The jar, after checking it is the pinned release (make setup runs this)."""
    jar = google_java_format_jar()
    digest = hashlib.sha256(jar.read_bytes()).hexdigest()
    if digest != GOOGLE_JAVA_FORMAT_SHA256:
        raise RuntimeError(f"{jar} has SHA-256 {digest}, not the pinned {GOOGLE_JAVA_FORMAT_SHA256}: delete it and run make setup")
    return jar
