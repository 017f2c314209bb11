"""Compiled artifacts of Go, Java, C# and TypeScript scripts, cached on the host.

The key is a hash of (language, entry point, source, runtime image id): a new
toolchain (a rebuilt image) or a changed byte of source is a different
artifact. Entries are written to a temporary folder and renamed into place,
so a reader never sees half an artifact; a per-key lock (threads and, with
flock, other processes) makes concurrent first runs compile once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

COMPLETE_MARKER = ".complete"


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class CompileCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "locks").mkdir(exist_ok=True)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @staticmethod
    def key(language: str, entry_point: str, source: str, image_id: str) -> str:
        digest = hashlib.sha256()
        for part in (language, entry_point, image_id):
            digest.update(part.encode() + b"\0")
        digest.update(source.encode())
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.root / key[:2] / key

    @contextlib.contextmanager
    def locked(self, key: str) -> Iterator[None]:
        with self._locks_guard:
            thread_lock = self._locks.setdefault(key, threading.Lock())
        with thread_lock, open(self.root / "locks" / f"{key[:16]}.lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def lookup(self, key: str) -> Path | None:
        entry = self._entry(key)
        return entry if (entry / COMPLETE_MARKER).exists() else None

    def store(self, key: str, build_dir: Path) -> Path:
        entry = self._entry(key)
        entry.parent.mkdir(parents=True, exist_ok=True)
        staging = entry.parent / f".{key}.{uuid.uuid4().hex[:8]}"
        # Copied, not moved: the build folder belongs to the container's user;
        # the cached copy belongs to us and the container can only read it.
        shutil.copytree(build_dir, staging, symlinks=False)
        for path in [staging, *staging.rglob("*")]:
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        (staging / COMPLETE_MARKER).touch()
        try:
            os.rename(staging, entry)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # another process stored it first
        return entry

    @staticmethod
    def install(entry: Path, target: Path) -> None:
        """Put a cached artifact at ``target`` (hard links when possible)."""
        shutil.copytree(entry, target, copy_function=_link_or_copy, ignore=shutil.ignore_patterns(COMPLETE_MARKER))
