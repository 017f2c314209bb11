"""A uid of its own for every live run container.

Without a user namespace the kernel counts a uid's processes across the whole
host (RLIMIT_NPROC), so runs sharing one uid share one process ceiling: a few
fork bombs could stop every other run from starting a process. Each
container therefore gets a uid from ``SCRIPT_UIDS`` that no other live
container on this host has, held by an exclusive ``flock`` on a file named
after it in a host-wide folder. Every engine process of the host (servers,
``stellascript run``, tests) agrees through those locks, and a process that
dies releases its uids with its file descriptors: nothing to clean up.
"""

from __future__ import annotations

import fcntl
import os
import random
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

# 10001 is the image's "runner" (HOME=/work): the first of the range.
SCRIPT_UIDS = range(10001, 11000)
LOCK_DIR_ENV = "STELLASCRIPT_UID_LOCKS"


class NoFreeUid(RuntimeError):
    """Every uid of the range is held by a live container (or the lock
    folder cannot be used)."""


@dataclass
class LeasedUid:
    uid: int
    _fd: int

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = -1


def default_lock_dir() -> Path:
    """Host-wide, not per data directory: two servers with different data
    directories still share the kernel's per-uid process count."""
    return Path(os.environ.get(LOCK_DIR_ENV) or Path(tempfile.gettempdir()) / "stellascript-uids")


class UidAllocator:
    def __init__(self, lock_dir: Path | None = None, uids: range = SCRIPT_UIDS) -> None:
        self.lock_dir = lock_dir or default_lock_dir()
        self.uids = uids
        # flock is per open file description: within one process two
        # descriptors of one file conflict too, but the guard keeps two
        # threads from racing through the same candidates.
        self._guard = threading.Lock()

    def lease(self) -> LeasedUid:
        """A uid no live container of this host has; NoFreeUid when none is left."""
        candidates = list(self.uids)
        # Start anywhere: processes on the host rarely contend for the same uid.
        start = random.randrange(len(candidates))
        with self._guard:
            for uid in candidates[start:] + candidates[:start]:
                try:
                    self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
                    fd = os.open(self.lock_dir / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                except OSError as error:  # e.g. another user's folder
                    raise NoFreeUid(f"cannot lease a script uid in {self.lock_dir}: {error}") from error
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                return LeasedUid(uid, fd)
        raise NoFreeUid(f"all {len(candidates)} script uids ({self.uids.start}-{self.uids.stop - 1}) are in use")
