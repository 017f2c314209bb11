"""Compiled artifacts of Go, Java, C# and TypeScript scripts, cached on the host.

The key is a hash of (language, entry point, source, runtime image id): a new
toolchain (a rebuilt image) or a changed byte of source is a different
artifact. Entries are written to a temporary folder and renamed into place,
so a reader never sees half an artifact; a per-key lock (threads and, with
flock, other processes) makes concurrent first runs compile once.

Each entry's marker file holds its size in bytes and its modification time
is the entry's last use (a hit touches it), which is what the garbage
collector (``jupyter_stellascript.gc``) evicts by. It evicts only an entry
whose key lock it takes without waiting: a compile holds it exclusively, an
install (copying an entry into a run's folder) shares it, so an entry in use
is never removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

COMPLETE_MARKER = ".complete"
LOCKS = "locks"
# A folder being stored or removed (".<key>.<tag>" or ".gc-<key>.<tag>"): never an entry.
STAGING_PREFIX = "."


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _lock_path(root: Path, key: str) -> Path:
    return root / LOCKS / f"{key[:16]}.lock"


def _folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


@dataclass(frozen=True)
class CacheEntry:
    key: str
    path: Path
    size_bytes: int
    last_used: float  # seconds since the epoch


class CompileCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / LOCKS).mkdir(exist_ok=True)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @staticmethod
    def key(language: str, entry_point: str, source: str, image_id: str, variant: str = "") -> str:
        """``variant``: what else changes the build (Language.compile_variant); "" keeps the key it always was."""
        digest = hashlib.sha256()
        for part in (language, entry_point, image_id) + ((variant,) if variant else ()):
            digest.update(part.encode() + b"\0")
        digest.update(source.encode())
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.root / key[:2] / key

    @contextlib.contextmanager
    def locked(self, key: str) -> Iterator[None]:
        with self._locks_guard:
            thread_lock = self._locks.setdefault(key, threading.Lock())
        with thread_lock, open(_lock_path(self.root, key), "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def lookup(self, key: str) -> Path | None:
        """The complete entry of ``key`` or None; a hit counts as a use."""
        entry = self._entry(key)
        try:
            os.utime(entry / COMPLETE_MARKER)
        except FileNotFoundError:
            return None
        return entry

    def store(self, key: str, build_dir: Path) -> Path:
        entry = self._entry(key)
        entry.parent.mkdir(parents=True, exist_ok=True)
        staging = entry.parent / f"{STAGING_PREFIX}{key}.{uuid.uuid4().hex[:8]}"
        # Copied, not moved: the build folder belongs to the container's user;
        # the cached copy belongs to us and the container can only read it.
        shutil.copytree(build_dir, staging, symlinks=False)
        for path in [staging, *staging.rglob("*")]:
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        (staging / COMPLETE_MARKER).write_text(str(_folder_size(staging)))
        try:
            os.rename(staging, entry)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # another process stored it first
        return entry

    @staticmethod
    def install(entry: Path, target: Path) -> None:
        """Put a cached artifact at ``target`` (hard links when possible),
        holding the entry's lock shared so that it cannot be evicted meanwhile."""
        root = entry.parent.parent
        with open(_lock_path(root, entry.name), "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_SH)
            try:
                shutil.copytree(entry, target, copy_function=_link_or_copy, ignore=shutil.ignore_patterns(COMPLETE_MARKER))
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    # -- garbage collection -------------------------------------------------------

    def entries(self) -> list[CacheEntry]:
        """Every complete entry, least recently used first."""
        found = []
        for shard in self.root.iterdir():
            if shard.name == LOCKS or not shard.is_dir():
                continue
            for entry in shard.iterdir():
                marker = entry / COMPLETE_MARKER
                if entry.name.startswith(STAGING_PREFIX):
                    continue
                try:
                    stat = marker.stat()
                    text = marker.read_text().strip()
                except (FileNotFoundError, NotADirectoryError):
                    continue
                size = int(text) if text.isdigit() else _folder_size(entry)  # entries stored before sizes were recorded
                found.append(CacheEntry(entry.name, entry, size, stat.st_mtime))
        return sorted(found, key=lambda item: item.last_used)

    def evict(self, key: str, dry_run: bool = False) -> bool:
        """Remove the entry unless it is in use (its lock is held: a compile
        or an install); whether it was (in a dry run: could be) removed."""
        entry = self._entry(key)
        with open(_lock_path(self.root, key), "a") as lock_file:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            try:
                if dry_run:
                    return (entry / COMPLETE_MARKER).exists()
                doomed = entry.parent / f"{STAGING_PREFIX}gc-{key}.{uuid.uuid4().hex[:8]}"
                try:
                    os.rename(entry, doomed)  # at once invisible to lookups
                except FileNotFoundError:
                    return False
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
        shutil.rmtree(doomed, ignore_errors=True)
        return True

    def remove_stale_staging(self, older_than_s: float) -> int:
        """Remove folders a crashed store or eviction left behind; how many."""
        removed = 0
        cutoff = time.time() - older_than_s
        for shard in self.root.iterdir():
            if shard.name == LOCKS or not shard.is_dir():
                continue
            for folder in shard.iterdir():
                if folder.name.startswith(STAGING_PREFIX) and folder.lstat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
        return removed
