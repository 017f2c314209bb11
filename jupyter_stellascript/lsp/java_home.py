"""The JDK that runs Eclipse JDT LS and google-java-format on the host.

JDT LS needs Java 21 or newer; scripts still compile for the runtime's
Java 17 (the project's ``.classpath`` names JavaSE-17). ``STELLASCRIPT_LSP_JAVA_HOME``
picks one; otherwise the newest JDK under /usr/lib/jvm or JAVA_HOME.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

JAVA_HOME_ENV = "STELLASCRIPT_LSP_JAVA_HOME"
MINIMUM_JAVA = 21
_JVM_ROOT = Path("/usr/lib/jvm")
_VERSION = re.compile(r'^JAVA_VERSION="(\d+)', re.M)


def java_major_version(home: Path) -> int | None:
    """The major version a JDK's ``release`` file declares (None if unreadable)."""
    try:
        match = _VERSION.search((home / "release").read_text())
    except OSError:
        return None
    return int(match.group(1)) if match else None


def find_java_home(minimum: int = MINIMUM_JAVA) -> Path | None:
    """A JDK of at least ``minimum``: the configured one, else the newest found."""
    configured = os.environ.get(JAVA_HOME_ENV)
    if configured:
        return Path(configured)
    candidates = [Path(os.environ["JAVA_HOME"])] if os.environ.get("JAVA_HOME") else []
    if _JVM_ROOT.is_dir():
        candidates += [path for path in _JVM_ROOT.iterdir() if path.is_dir() and not path.is_symlink()]
    versioned = [(java_major_version(path), path) for path in candidates if (path / "bin" / "java").exists()]
    suitable = sorted(((version, path) for version, path in versioned if version and version >= minimum), reverse=True)
    return suitable[0][1] if suitable else None
