"""Host runtimes copied into runtime images at build time.

A language profile lists them (``Language.image_extras``); the image builder
(images.py) adds each one's files to the build context and its fingerprint
to the image's definition hash, so a new host JDK or Node.js rebuilds the
image and an unchanged one does not.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

Progress = Callable[[str], None]

JVM_ROOT = Path("/usr/lib/jvm")
MINIMUM_JAVA = 21
MINIMUM_NODE = 20


class ImageExtra:
    """Something of the host's that goes into a runtime image's build context."""

    def fingerprint(self) -> bytes:
        """Bytes that change whenever what add_to_context adds changes."""
        raise NotImplementedError

    def add_to_context(self, tar: tarfile.TarFile, progress: Progress) -> None:
        raise NotImplementedError


def newest_host_jdk(minimum: int = MINIMUM_JAVA) -> Path | None:
    """The newest JDK under /usr/lib/jvm with javac, at least ``minimum``."""
    best: tuple[int, Path] | None = None
    if not JVM_ROOT.is_dir():
        return None
    for candidate in JVM_ROOT.iterdir():
        release = candidate / "release"
        if candidate.is_symlink() or not release.is_file() or not (candidate / "bin" / "javac").exists():
            continue
        match = re.search(r'JAVA_VERSION="(\d+)', release.read_text())
        if match and int(match.group(1)) >= minimum:
            version = int(match.group(1))
            if best is None or version > best[0]:
                best = (version, candidate)
    return best[1] if best else None


def host_node(minimum: int = MINIMUM_NODE) -> Path | None:
    """The host's Node.js binary when it is recent and self-contained.

    Debian bookworm's Node.js 18 takes ~150 ms to start; an official build
    (as installed on these machines) takes ~40 ms and needs only glibc and
    libstdc++, which every Debian base has.
    """
    node = shutil.which("node")
    if node is None:
        return None
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout
        libraries = subprocess.run(["ldd", node], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.", version)
    if not match or int(match.group(1)) < minimum or "libnode" in libraries:
        return None
    return Path(node).resolve()


class HostJdk(ImageExtra):
    """The host's newest JDK as ``jdk/`` (empty: the Dockerfile falls back to Debian's OpenJDK 17)."""

    def fingerprint(self) -> bytes:
        jdk = newest_host_jdk()
        return (jdk / "release").read_bytes() if jdk else b"debian-openjdk-17"

    def add_to_context(self, tar: tarfile.TarFile, progress: Progress) -> None:
        jdk = newest_host_jdk()
        add_folder(tar, "jdk")  # present even when empty: the Dockerfile COPYs it
        if jdk is None:
            progress(f"java: no JDK {MINIMUM_JAVA}+ on this host; the image gets Debian's OpenJDK 17")
            return
        progress(f"java: using the host JDK at {jdk}")
        skipped = {"lib/src.zip", "jmods", "man", "demo"}

        def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
            relative = info.name.split("/", 1)[1] if "/" in info.name else ""
            return None if any(relative == s or relative.startswith(s + "/") for s in skipped) else info

        tar.add(jdk, arcname="jdk", filter=keep)


class HostNode(ImageExtra):
    """The host's self-contained Node.js as ``node/bin/node`` (empty: Debian's)."""

    def fingerprint(self) -> bytes:
        node = host_node()
        return f"{node}:{node.stat().st_size}:{node.stat().st_mtime_ns}".encode() if node else b"debian-nodejs"

    def add_to_context(self, tar: tarfile.TarFile, progress: Progress) -> None:
        node = host_node()
        add_folder(tar, "node")  # present even when empty: the Dockerfile COPYs it
        if node is None:
            progress(f"typescript: no self-contained Node.js {MINIMUM_NODE}+ on this host; the image gets Debian's")
            return
        progress(f"typescript: using the host Node.js at {node}")
        tar.add(node, arcname="node/bin/node")


def add_folder(tar: tarfile.TarFile, name: str) -> None:
    folder = tarfile.TarInfo(name)
    folder.type = tarfile.DIRTYPE
    folder.mode = 0o755
    tar.addfile(folder)
