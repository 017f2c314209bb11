"""A run's secrets as files in its container's /run/secrets tmpfs.

The engine writes them from the host through ``/proc/<pid>/root`` (as it
reaches the agent's socket), after the container left the pool for this run
and before the script starts: root's files, group SCRIPT_GID, mode 0440, in
root's folder, so the script reads them and can neither change nor remove
them. Nothing of them is on the host's disk; the tmpfs goes with the
container, which is never reused (pool.py), and the files are removed first.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from ..secrets.delivery import SECRETS_DIR, DeliveredSecret
from .sandbox import SCRIPT_GID

log = logging.getLogger(__name__)


def secrets_dir(host_pid: int) -> Path:
    """The container's /run/secrets, seen from the host."""
    return Path(f"/proc/{host_pid}/root{SECRETS_DIR}")


def write_secret_files(host_pid: int, secrets: Iterable[DeliveredSecret]) -> None:
    folder = secrets_dir(host_pid)
    written: set[str] = set()
    for secret in secrets:
        if secret.name in written:
            continue
        # O_EXCL|O_NOFOLLOW: nothing the container made can stand in for the file.
        descriptor = os.open(folder / secret.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o400)
        try:
            os.write(descriptor, secret.value.encode("utf-8"))
            os.fchown(descriptor, 0, SCRIPT_GID)
            os.fchmod(descriptor, 0o440)
        finally:
            os.close(descriptor)
        written.add(secret.name)


def remove_secret_files(host_pid: int, secrets: Iterable[DeliveredSecret]) -> None:
    folder = secrets_dir(host_pid)
    for name in {secret.name for secret in secrets}:
        try:
            (folder / name).unlink(missing_ok=True)  # missing: the container, and its tmpfs, is gone already
        except OSError as error:  # e.g. the process left: the container's removal takes the tmpfs
            log.debug("could not remove secret file %s of pid %d: %s", name, host_pid, error.strerror)
