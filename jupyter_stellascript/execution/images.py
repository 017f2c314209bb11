"""Building the runtime images (one per language) from ``runtimes/``.

No container registry may be reachable (the case on these machines), so the
build works from nothing: when the configured Debian base image is neither
present nor pullable, a base root filesystem is made with ``debootstrap`` and
imported. Every image carries a label with the hash of its definition, so a
build is idempotent: what is present and current is left alone.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import docker
from docker.errors import APIError, BuildError, DockerException, ImageNotFound

from ..paths import data_dir, repository_runtimes_dir

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

BASE_RUNTIME_IMAGE = "stella-runtime/base:latest"
DEBOOTSTRAP_IMAGE = "stellascript/debian:bookworm"
DEFINITION_LABEL = "io.stellascript.definition"
DEBIAN_MIRROR = os.environ.get("STELLASCRIPT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
JVM_ROOT = Path("/usr/lib/jvm")
MINIMUM_JAVA = 21
MINIMUM_NODE = 20


class ImageBuildFailed(RuntimeError):
    pass


def runtime_image_name(language: str) -> str:
    return f"stella-runtime/{language}:latest"


def _hash_tree(paths: Iterable[Path], root: Path, digest: "hashlib._Hash") -> None:
    for path in sorted(paths):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())


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


class RuntimeImageBuilder:
    """Builds the base image and each language's runtime image, when missing."""

    def __init__(
        self,
        client: docker.DockerClient,
        base_image: str = "debian:bookworm-slim",
        ca_bundle: str = HOST_CA_BUNDLE,
        runtimes_dir: Path | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.client = client
        self.base_image = base_image
        self.ca_bundle = Path(ca_bundle)
        self.runtimes_dir = runtimes_dir or repository_runtimes_dir()
        self.progress = progress or (lambda message: log.info("%s", message))

    # -- definitions ---------------------------------------------------------

    def definition_hash(self, language: str) -> str:
        digest = hashlib.sha256()
        folder = self.runtimes_dir / language
        _hash_tree(folder.rglob("*"), folder, digest)
        if language == "base":
            digest.update(self.base_image.encode())
            if self.ca_bundle.is_file():
                digest.update(self.ca_bundle.read_bytes())
        else:
            digest.update(self.definition_hash("base").encode())
        if language == "java":
            jdk = newest_host_jdk()
            digest.update((jdk / "release").read_bytes() if jdk else b"debian-openjdk-17")
        if language == "typescript":
            node = host_node()
            digest.update(f"{node}:{node.stat().st_size}:{node.stat().st_mtime_ns}".encode() if node else b"debian-nodejs")
        return digest.hexdigest()[:16]

    def is_current(self, language: str) -> bool:
        name = BASE_RUNTIME_IMAGE if language == "base" else runtime_image_name(language)
        try:
            image = self.client.images.get(name)
        except ImageNotFound:
            return False
        return (image.labels or {}).get(DEFINITION_LABEL) == self.definition_hash(language)

    # -- building --------------------------------------------------------------

    def build(self, languages: Iterable[str], force: bool = False) -> list[str]:
        """Build what is missing or stale; returns the names of images built."""
        built = []
        if force or not self.is_current("base"):
            self._build_image("base", BASE_RUNTIME_IMAGE, {"BASE": self._debian_base()})
            built.append(BASE_RUNTIME_IMAGE)
        else:
            self.progress(f"{BASE_RUNTIME_IMAGE}: up to date")
        for language in languages:
            name = runtime_image_name(language)
            if not force and self.is_current(language):
                self.progress(f"{name}: up to date")
                continue
            self._build_image(language, name, {"BASE": BASE_RUNTIME_IMAGE})
            built.append(name)
        return built

    def _debian_base(self) -> str:
        for name in (self.base_image, DEBOOTSTRAP_IMAGE):
            try:
                self.client.images.get(name)
                return name
            except ImageNotFound:
                continue
        try:
            self.progress(f"pulling {self.base_image}")
            self.client.images.pull(self.base_image)
            return self.base_image
        except (APIError, DockerException) as error:
            self.progress(f"cannot pull {self.base_image} ({_first_line(error)}); making a Debian base with debootstrap")
        self._debootstrap_base()
        return DEBOOTSTRAP_IMAGE

    def _debootstrap_base(self) -> None:
        debootstrap = shutil.which("debootstrap") or "/usr/sbin/debootstrap"
        if not os.path.exists(debootstrap):
            raise ImageBuildFailed("no base image can be pulled and debootstrap is not installed (run `make setup`)")
        cache = data_dir() / "debootstrap-cache"
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="stellascript-rootfs-") as rootfs:
            command = [
                debootstrap, "--variant=minbase", f"--cache-dir={cache}",
                "--include=ca-certificates,curl,jq", "bookworm", rootfs, DEBIAN_MIRROR,
            ]
            self.progress("debootstrap: " + " ".join(command))
            finished = subprocess.run(command, capture_output=True, text=True)
            if finished.returncode != 0:
                raise ImageBuildFailed(f"debootstrap failed:\n{finished.stderr[-4000:] or finished.stdout[-4000:]}")
            tar_path = Path(rootfs + ".tar")
            try:
                subprocess.run(["tar", "-C", rootfs, "-cf", str(tar_path), "."], check=True)
                self.progress(f"importing the root filesystem as {DEBOOTSTRAP_IMAGE}")
                answer = self.client.api.import_image(src=str(tar_path), changes=['CMD ["/bin/bash"]'])
                image_id = re.search(r"sha256:[0-9a-f]{64}", str(answer))
                if image_id is None:
                    raise ImageBuildFailed(f"the engine did not return an image id for the import: {answer}")
                repository, tag = DEBOOTSTRAP_IMAGE.split(":")
                self.client.images.get(image_id.group(0)).tag(repository, tag)
            finally:
                tar_path.unlink(missing_ok=True)

    def _build_context(self, language: str) -> io.BytesIO | tempfile.SpooledTemporaryFile:
        folder = self.runtimes_dir / language
        context = tempfile.TemporaryFile()
        with tarfile.open(fileobj=context, mode="w") as tar:
            for path in sorted(folder.rglob("*")):
                tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
            if language == "base":
                bundle = self.ca_bundle if self.ca_bundle.is_file() else None
                data = bundle.read_bytes() if bundle else b""
                info = tarfile.TarInfo("ca-bundle.crt")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            if language == "java":
                self._add_jdk(tar)
            if language == "typescript":
                self._add_node(tar)
        context.seek(0)
        return context

    def _add_jdk(self, tar: tarfile.TarFile) -> None:
        jdk = newest_host_jdk()
        _add_folder(tar, "jdk")  # present even when empty: the Dockerfile COPYs it
        if jdk is None:
            self.progress(f"java: no JDK {MINIMUM_JAVA}+ on this host; the image gets Debian's OpenJDK 17")
            return
        self.progress(f"java: using the host JDK at {jdk}")
        skipped = {"lib/src.zip", "jmods", "man", "demo"}

        def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
            relative = info.name.split("/", 1)[1] if "/" in info.name else ""
            return None if any(relative == s or relative.startswith(s + "/") for s in skipped) else info

        tar.add(jdk, arcname="jdk", filter=keep)

    def _add_node(self, tar: tarfile.TarFile) -> None:
        node = host_node()
        _add_folder(tar, "node")  # present even when empty: the Dockerfile COPYs it
        if node is None:
            self.progress(f"typescript: no self-contained Node.js {MINIMUM_NODE}+ on this host; the image gets Debian's")
            return
        self.progress(f"typescript: using the host Node.js at {node}")
        tar.add(node, arcname="node/bin/node")

    def _build_image(self, language: str, name: str, build_args: dict[str, str]) -> None:
        self.progress(f"building {name}")
        context = self._build_context(language)
        try:
            stream = self.client.api.build(
                fileobj=context,
                custom_context=True,
                tag=name,
                buildargs=build_args,
                labels={DEFINITION_LABEL: self.definition_hash(language)},
                network_mode="host",
                rm=True,
                forcerm=True,
                decode=True,
            )
            for chunk in stream:
                if "error" in chunk:
                    raise ImageBuildFailed(f"{name}: {chunk['error'].strip()}")
                line = (chunk.get("stream") or "").rstrip()
                if line:
                    self.progress(f"  {language}: {line}")
        except (APIError, BuildError) as error:
            raise ImageBuildFailed(f"{name}: {error}") from error
        finally:
            context.close()
        if not self.is_current(language):
            raise ImageBuildFailed(f"{name}: the build finished but the image is missing or unlabelled")
        self.progress(f"built {name}")


def _add_folder(tar: tarfile.TarFile, name: str) -> None:
    folder = tarfile.TarInfo(name)
    folder.type = tarfile.DIRTYPE
    folder.mode = 0o755
    tar.addfile(folder)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
