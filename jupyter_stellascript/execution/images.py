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

from ..languages import get_language
from ..paths import data_dir, repository_runtimes_dir
from .host_runtimes import ImageExtra

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

BASE_RUNTIME_IMAGE = "stella-runtime/base:latest"
DEBOOTSTRAP_IMAGE = "stellascript/debian:bookworm"
DEFINITION_LABEL = "io.stellascript.definition"
DEBIAN_MIRROR = os.environ.get("STELLASCRIPT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# The image every language's image is built on (runtimes/base/).
BASE = "base"


class ImageBuildFailed(RuntimeError):
    pass


def runtime_image_name(language: str) -> str:
    return f"stella-runtime/{language}:latest"


def _hash_tree(paths: Iterable[Path], root: Path, digest: "hashlib._Hash") -> None:
    for path in sorted(paths):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())


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
        if language == BASE:
            digest.update(self.base_image.encode())
            if self.ca_bundle.is_file():
                digest.update(self.ca_bundle.read_bytes())
        else:
            digest.update(self.definition_hash(BASE).encode())
        for extra in _image_extras(language):
            digest.update(extra.fingerprint())
        return digest.hexdigest()[:16]

    def is_current(self, language: str) -> bool:
        name = BASE_RUNTIME_IMAGE if language == BASE else runtime_image_name(language)
        try:
            image = self.client.images.get(name)
        except ImageNotFound:
            return False
        return (image.labels or {}).get(DEFINITION_LABEL) == self.definition_hash(language)

    # -- building --------------------------------------------------------------

    def build(self, languages: Iterable[str], force: bool = False) -> list[str]:
        """Build what is missing or stale; returns the names of images built."""
        built = []
        if force or not self.is_current(BASE):
            self._build_image(BASE, BASE_RUNTIME_IMAGE, {"BASE": self._debian_base()})
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
            if language == BASE:
                bundle = self.ca_bundle if self.ca_bundle.is_file() else None
                data = bundle.read_bytes() if bundle else b""
                info = tarfile.TarInfo("ca-bundle.crt")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            for extra in _image_extras(language):
                extra.add_to_context(tar, self.progress)
        context.seek(0)
        return context

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


def _image_extras(language: str) -> tuple[ImageExtra, ...]:
    """What of the host's goes into the language's image (nothing into the base)."""
    return () if language == BASE else get_language(language).image_extras


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
