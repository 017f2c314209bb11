"""Derived runtime images: one per dependency set, built once, shared.

A set (language, base runtime image, source, normalized requirements) has a
key; its image is ``stella-runtime/<language>:<key[:12]>``. Resolving the set
gives a lock, and the image installs exactly that lock. The same image is
also tagged with the key of its *locked* set (language, base image, lock
file), which is the name runs use: a script version that saved its lock
finds its exact packages by that name, even once its declared set would
resolve to newer releases, and rebuilds them from the lock (not by resolving
again) when the image is gone.

Building happens at most once per key, across threads (a lock per key) and
processes (a file lock per key), and atomically: the image is built under a
temporary tag and tagged with its real names only when complete; a failed
build leaves no tagged image and no intermediate images behind. Every image
carries its set key, lock hash and the lock itself as labels.

An image's last use is recorded beside the build locks (a file per image id,
touched whenever a run is given the image: labels cannot change on an
image), for the garbage collector (``jupyter_stellascript.gc``), which also
leaves alone an image whose set is being prepared (its lock is held).
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import logging
import os
import re
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import APIError, BuildError, DockerException, ImageNotFound, NotFound

from ..execution.container_engine import retried_listing
from .base import BuildFiles, Progress, ResolveContext, Resolver
from .models import DependenciesCancelled, DependencyError, DependencySettings, Lock, locked_set_key, set_key

log = logging.getLogger(__name__)

DERIVED_LABEL = "io.stellascript.derived"
LANGUAGE_LABEL = "io.stellascript.dependency-language"
SET_LABEL = "io.stellascript.dependency-set"
LOCKED_SET_LABEL = "io.stellascript.dependency-locked-set"
LOCK_LABEL = "io.stellascript.dependency-lock"
LOCK_SHA_LABEL = "io.stellascript.dependency-lock-sha256"
BASE_LABEL = "io.stellascript.dependency-base"
BUILD_LABEL = "io.stellascript.build"
BUILD_LANGUAGE_LABEL = "io.stellascript.build-language"
BUILD_ATTEMPTS = 2
# What Podman says when an image or layer its build cache looked at was
# removed meanwhile by another process (a collector, another build's clean-up).
STORE_RACES = ("layer not known", "image not known")


class _StoreChanged(DependencyError):
    """A build failed because the image store changed under it, not because of what it installs."""  # on every stage too: whose build an intermediate image is


def derived_image_name(language: str, key: str) -> str:
    return f"stella-runtime/{language}:{key[:12]}"


# A derived image's names, as the engine lists them (Podman prefixes docker.io/ or localhost/).
DERIVED_TAG = re.compile(r"^(?:[a-z0-9.-]+/)?stella-runtime/[a-z0-9_-]+:[0-9a-f]{12}$")


def host_lock_dir() -> Path:
    """Shared by every Stella Script process of this host user (they share
    one container store), whatever their data directories."""
    path = Path(tempfile.gettempdir()) / f"stellascript-{os.geteuid()}" / "dependency-locks"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@dataclass(frozen=True)
class Prepared:
    """The image a run uses and the lock it installs."""

    image: str
    lock: Lock
    set_key: str | None  # None when the run came with its own lock
    locked_key: str
    resolved: bool  # the set was resolved by this call
    built: bool  # the image was built by this call


class DerivedImages:
    def __init__(self, client: docker.DockerClient, settings: DependencySettings | None = None,
                 lock_dir: Path | None = None) -> None:
        self.client = client
        self.settings = settings or DependencySettings.from_environment()
        self.lock_dir = lock_dir or host_lock_dir()
        self.lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.use_dir = self.lock_dir.parent / "derived-use"
        self.use_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._guard = threading.Lock()
        self._thread_locks: dict[str, threading.Lock] = {}
        # What this manager did (for metrics and tests).
        self.resolutions = 0
        self.builds = 0

    # -- what a script asks for --------------------------------------------------------

    @staticmethod
    def resolver(language: str) -> Resolver:
        from . import resolver_for
        return resolver_for(language)

    def requirements(self, language: str, source: str, declared: list[dict]) -> tuple[str, ...]:
        return self.resolver(language).requirements(source, declared)

    def _context(self, base_image: str, progress: Progress | None, cancelled: threading.Event | None) -> ResolveContext:
        return ResolveContext(self.client, base_image, self.settings, progress or (lambda line: None),
                              cancelled or threading.Event())

    # -- resolving ---------------------------------------------------------------------

    def resolve(self, language: str, base_image: str, requirements: tuple[str, ...],
                progress: Progress | None = None, cancelled: threading.Event | None = None) -> Lock:
        """Resolve now, with the real package manager (nothing is built or cached)."""
        resolver = self.resolver(language)
        lock = resolver.resolve(requirements, self._context(base_image, progress, cancelled))
        self.resolutions += 1
        return lock

    def prepare(self, language: str, base_image: str, requirements: tuple[str, ...], lock: Lock | None = None,
                progress: Progress | None = None, cancelled: threading.Event | None = None) -> Prepared:
        """The derived image for this set (built if needed) and its lock.

        With ``lock``, exactly the locked packages are installed, whatever the
        index offers today; without, the set's image is reused when present,
        and otherwise the set is resolved and its image built. Counts as a use
        of the image."""
        prepared = self._prepare(language, base_image, requirements, lock, progress, cancelled)
        self.record_use(prepared.image)
        return prepared

    def _prepare(self, language: str, base_image: str, requirements: tuple[str, ...], lock: Lock | None,
                 progress: Progress | None, cancelled: threading.Event | None) -> Prepared:
        progress = progress or (lambda line: None)
        resolver = self.resolver(language)
        base_id = self.client.images.get(base_image).id  # ImageNotFound: the runtime image is missing
        if lock is not None and (lock.language != language or tuple(lock.requested) != tuple(requirements)):
            progress("the saved dependency lock is for another set of requirements; resolving again")
            lock = None
        if lock is not None:
            locked_key = locked_set_key(language, base_id, lock)
            image = derived_image_name(language, locked_key)
            with self._locked(locked_key, progress):
                if self._lock_sha_of(image) == lock.sha256:
                    return Prepared(image, lock, None, locked_key, resolved=False, built=False)
                progress(f"installing the locked dependencies ({lock.sha256[:12]}) into {image}")
                self._build(resolver, lock, base_image, base_id, [image], None, locked_key, progress, cancelled)
                return Prepared(image, lock, None, locked_key, resolved=False, built=True)

        source = self.settings.source(resolver.ecosystem)
        key = set_key(language, base_id, source, requirements)
        set_image = derived_image_name(language, key)
        with self._locked(key, progress):
            existing = self._lock_of(set_image)
            if existing is not None:
                locked_key = locked_set_key(language, base_id, existing)
                image = derived_image_name(language, locked_key)
                if self._lock_sha_of(image) != existing.sha256:
                    self._tag(set_image, image)
                return Prepared(image, existing, key, locked_key, resolved=False, built=False)
            lock = self.resolve(language, base_image, requirements, progress, cancelled)
            locked_key = locked_set_key(language, base_id, lock)
            image = derived_image_name(language, locked_key)
            with self._locked(locked_key, progress):
                if self._lock_sha_of(image) == lock.sha256:  # another set resolved to exactly these packages
                    self._tag(image, set_image)
                    return Prepared(image, lock, key, locked_key, resolved=True, built=False)
                self._build(resolver, lock, base_image, base_id, [image, set_image], key, locked_key, progress, cancelled)
            return Prepared(image, lock, key, locked_key, resolved=True, built=True)

    # -- images ------------------------------------------------------------------------

    def _image(self, name: str):
        try:
            return self.client.images.get(name)
        except (ImageNotFound, NotFound):
            return None

    def _lock_of(self, name: str) -> Lock | None:
        """The lock a derived image installs, or None (no image, or not one of ours)."""
        image = self._image(name)
        if image is None:
            return None
        labels = image.labels or {}
        try:
            lock = Lock.from_json(labels[LOCK_LABEL])
        except (KeyError, ValueError, TypeError):
            return None
        return lock if labels.get(LOCK_SHA_LABEL) == lock.sha256 else None

    def _lock_sha_of(self, name: str) -> str | None:
        lock = self._lock_of(name)
        return lock.sha256 if lock else None

    def _tag(self, existing: str, name: str) -> None:
        repository, tag = name.rsplit(":", 1)
        self.client.images.get(existing).tag(repository, tag)

    # -- use, for the garbage collector --------------------------------------------------

    def _use_record(self, image_id: str) -> Path:
        return self.use_dir / image_id.removeprefix("sha256:")

    def record_use(self, image: str) -> None:
        image_id = self.client.images.get(image).id
        self._use_record(image_id).touch()

    def last_used(self, image_id: str) -> float | None:
        """When a run was last given this image (seconds since the epoch), or None."""
        try:
            return self._use_record(image_id).stat().st_mtime
        except FileNotFoundError:
            return None

    def forget_use(self, image_id: str) -> None:
        self._use_record(image_id).unlink(missing_ok=True)

    def preparing(self, keys: list[str]) -> bool:
        """Whether any of these set keys is being prepared (its lock is held) now."""
        for key in keys:
            with open(self._lock_file(key), "a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(handle, fcntl.LOCK_UN)
        return False

    def _lock_file(self, key: str) -> Path:
        return self.lock_dir / f"{key[:32]}.lock"

    @contextlib.contextmanager
    def _locked(self, key: str, progress: Progress) -> Iterator[None]:
        with self._guard:
            thread_lock = self._thread_locks.setdefault(key, threading.Lock())
        if not thread_lock.acquire(blocking=False):
            progress("waiting: the same dependency set is being prepared by another run")
            thread_lock.acquire()
        try:
            with open(self._lock_file(key), "a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    progress("waiting: the same dependency set is being prepared by another process")
                    fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            thread_lock.release()

    def _build(self, resolver: Resolver, lock: Lock, base_image: str, base_id: str, names: list[str],
               key: str | None, locked_key: str, progress: Progress, cancelled: threading.Event | None) -> None:
        """Build the image installing ``lock`` and tag it with ``names``, or
        leave nothing at all. A build that met the engine's image store
        changing under it (another process removing an image) runs once more."""
        for attempt in range(1, BUILD_ATTEMPTS + 1):
            try:
                return self._build_once(resolver, lock, base_id, names, key, locked_key, progress, cancelled)
            except _StoreChanged as error:
                if attempt == BUILD_ATTEMPTS:
                    raise
                log.info("building %s again: %s", names[0], error)
                progress(f"building {names[0]} again: the engine's image store changed during the build")
        return None

    def _build_once(self, resolver: Resolver, lock: Lock, base_id: str, names: list[str], key: str | None,
                    locked_key: str, progress: Progress, cancelled: threading.Event | None) -> None:
        build_id = uuid.uuid4().hex
        temporary = f"stella-runtime/{resolver.language}:building-{build_id[:12]}"
        base_ref = base_id.removeprefix("sha256:")
        files = resolver.build_files(lock, base_ref, self.settings)
        labels = {
            **self.settings.image_labels,
            DERIVED_LABEL: "true", LANGUAGE_LABEL: resolver.language, LOCKED_SET_LABEL: locked_key,
            LOCK_SHA_LABEL: lock.sha256, LOCK_LABEL: lock.to_json(), BASE_LABEL: base_id,
        }
        if key:
            labels[SET_LABEL] = key
        deadline = time.monotonic() + self.settings.timeout_s
        context = _build_context(files, build_id, resolver.language)
        source = self.settings.source(resolver.ecosystem)
        output: list[str] = []
        try:
            progress(f"building {names[0]} ({len(lock.packages)} package(s))")
            stream = self.client.api.build(
                fileobj=context, custom_context=True, tag=temporary, labels=labels, network_mode="host",
                rm=True, forcerm=True, decode=True, pull=False,
            )
            for chunk in stream:
                if "error" in chunk:
                    output.append(chunk["error"])
                    failure = _StoreChanged if any(race in chunk["error"] for race in STORE_RACES) else DependencyError
                    raise failure(
                        f"installing the locked {resolver.language} dependencies from {source} failed: "
                        f"{chunk['error'].strip()}\n{''.join(output[-15:])}", source=source)
                line = (chunk.get("stream") or "")
                if line.strip():
                    output.append(line if line.endswith("\n") else line + "\n")
                    text = line.rstrip()
                    progress(text if len(text) <= 240 else text[:240] + "...")
                if cancelled is not None and cancelled.is_set():
                    raise DependenciesCancelled()
                if time.monotonic() > deadline:
                    raise DependencyError(f"building {names[0]} did not finish within {self.settings.timeout_s:g}s",
                                          kind="timeout", source=source)
            image = self._image(temporary)
            if image is None or (image.labels or {}).get(LOCK_SHA_LABEL) != lock.sha256:
                raise DependencyError(f"building {names[0]} finished but the image is missing or unlabelled", source=source)
            for name in names:
                self._tag(temporary, name)
            self.builds += 1
            progress(f"built {names[0]}")
        except (APIError, BuildError, DockerException) as error:
            self._clean_up(build_id, temporary, keep=None)
            raise DependencyError(f"building {names[0]} failed: {error}", source=source) from error
        except BaseException:
            self._clean_up(build_id, temporary, keep=None)
            raise
        finally:
            context.close()
        self._clean_up(build_id, temporary, keep=image.id)

    def _clean_up(self, build_id: str, temporary: str, keep: str | None) -> None:
        """Remove the temporary tag and every intermediate image of a build
        (all of the build's images when it failed)."""
        try:
            self.client.api.remove_image(temporary, noprune=True)
        except (NotFound, ImageNotFound, APIError):
            pass
        try:
            leftovers = [image["Id"] for image in retried_listing(
                lambda: self.client.api.images(all=True, filters={"label": f"{BUILD_LABEL}={build_id}"}))]
        except APIError as error:
            log.warning("could not list build %s's intermediate images to remove them: %s", build_id, error)
            return
        for image_id in leftovers:
            if image_id == keep:
                continue
            try:
                self.client.api.remove_image(image_id, force=True)
            except (NotFound, ImageNotFound, APIError) as error:
                log.debug("could not remove intermediate image %s: %s", image_id[:19], error)


def _build_context(files: BuildFiles, build_id: str, language: str) -> tempfile.SpooledTemporaryFile:
    """A tar with the Dockerfile (each stage labelled with the build id, so
    that a failed build's images can be found and removed) and its files."""
    lines = []
    for line in files.dockerfile.splitlines():
        lines.append(line)
        if line.upper().startswith("FROM "):
            lines.append(f'LABEL {BUILD_LABEL}="{build_id}" {BUILD_LANGUAGE_LABEL}="{language}"')
    dockerfile = ("\n".join(lines) + "\n").encode()
    context = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)
    with tarfile.open(fileobj=context, mode="w") as tar:
        _add_bytes(tar, "Dockerfile", dockerfile)
        for name, content in sorted(files.files.items()):
            if isinstance(content, bytes):
                _add_bytes(tar, name, content)
            else:
                tar.add(content, arcname=name, filter=_skip_caches)
    context.seek(0)
    return context


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _skip_caches(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    if "__pycache__" in info.name.split("/"):
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info
