"""Key rotation: every secret value re-encrypted under a new key.

In three steps, each leaving every value readable if the next never comes:
1. the key file gets the new key first, the old key(s) after it (MultiFernet
   decrypts with any of them);
2. every value and the check value are re-encrypted under the new key, in
   one transaction;
3. the old key(s) are saved next to the key file as
   ``<key file>.old-<UTC time>`` (mode 0600: for backups of the database
   taken before the rotation; delete it when those are gone), and the key
   file keeps the new key only.
Servers hold the key in memory: rotation refuses while one using the
database is alive (stop them, rotate, start them).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..db import ServerInstance, as_utc, utcnow
from ..execution.host import pid_alive
from ..execution.instances import STALE_AFTER
from .crypto import SecretCipher, open_cipher, read_keys, write_key_file
from .models import SecretKeyCheck, SecretRow


class ServersRunning(Exception):
    """Servers using the database are alive: their keys would go stale."""


@dataclass(frozen=True)
class Rotation:
    secrets: int
    old_keys_file: Path


def live_servers(sessions: sessionmaker) -> list[str]:
    host = socket.gethostname()
    with sessions() as session:
        rows = list(session.scalars(select(ServerInstance)))
    return [f"{row.host} pid {row.pid}" for row in rows
            if (pid_alive(row.pid) if row.host == host else utcnow() - as_utc(row.heartbeat_at) < STALE_AFTER)]


def rotate_key(sessions: sessionmaker, key_file: Path, force: bool = False) -> Rotation:
    running = live_servers(sessions)
    if running and not force:
        raise ServersRunning(f"servers using this database are running ({', '.join(running)}): stop them first")
    open_cipher(sessions, key_file, create=False)  # the current key is the database's (SecretKeyError if not)
    old_keys = read_keys(key_file)
    new_keys = [Fernet.generate_key(), *old_keys]
    write_key_file(key_file, new_keys)
    cipher = SecretCipher(new_keys)
    with sessions() as session, session.begin():
        rows = list(session.scalars(select(SecretRow)))
        for row in rows:
            row.ciphertext = cipher.rotate(row.ciphertext)
        for check in session.scalars(select(SecretKeyCheck)):
            check.token = cipher.rotate(check.token)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    old_keys_file = key_file.with_name(f"{key_file.name}.old-{stamp}")
    write_key_file(old_keys_file, old_keys)
    write_key_file(key_file, new_keys[:1])
    return Rotation(secrets=len(rows), old_keys_file=old_keys_file)
