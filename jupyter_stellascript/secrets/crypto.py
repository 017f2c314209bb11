"""The secret key file and the cipher of secret values.

Values are Fernet tokens (AES-128-CBC with HMAC-SHA256, from ``cryptography``).
The key file (``c.StellaScript.secret_key_file``, default ``secret.key`` in the
data directory, mode 0600) holds one key per line: the first encrypts, all
decrypt (MultiFernet), which is what lets a key rotation never leave a value
unreadable. The database keeps one encrypted check value, so that a wrong key
is found at start-up rather than at a run.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..errors import RegistryError
from .models import SecretKeyCheck, SecretRow

SETTING = "StellaScript.secret_key_file"
DEFAULT_KEY_FILE = "secret.key"
CHECK_PLAINTEXT = b"stellascript secret key check"


class SecretKeyError(Exception):
    """The key file is missing, unreadable or not the key of this database; the message names the setting."""


class KeyMismatch(RegistryError):
    """This server's key is not the one the database's secrets are encrypted with
    (another server sharing the database has another key file)."""

    status = 503

    def __init__(self) -> None:
        super().__init__(f"this server's secret key ({SETTING}) is not the one this database's secrets are encrypted "
                         "with: servers sharing a database must share the key file")


class SecretCipher:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("no key")
        self.keys = keys
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, value: str) -> bytes:
        return self._fernet.encrypt(value.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        return self._fernet.decrypt(token).decode("utf-8")

    def matches(self, check_token: bytes) -> bool:
        """Whether this cipher decrypts the check value (is this database's key)."""
        try:
            self._fernet.decrypt(check_token)
        except InvalidToken:
            return False
        return True

    def rotate(self, token: bytes) -> bytes:
        """``token`` re-encrypted under the first key."""
        return self._fernet.rotate(token)


def write_key_file(path: Path, keys: list[bytes]) -> None:
    """Write ``keys`` (first = the one that encrypts) atomically, mode 0600 from the start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(b"".join(key + b"\n" for key in keys))
    os.replace(partial, path)


def read_keys(path: Path) -> list[bytes]:
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        raise SecretKeyError(f"{SETTING}: the key file {path} is missing; restore it (or point {SETTING} at it): "
                             "without it no secret in this database can be read") from None
    except OSError as error:
        raise SecretKeyError(f"{SETTING}: the key file {path} cannot be read: {error.strerror}") from None
    keys = [line.strip() for line in lines if line.strip() and not line.startswith(b"#")]
    if not keys:
        raise SecretKeyError(f"{SETTING}: the key file {path} holds no key")
    for number, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError:
            raise SecretKeyError(f"{SETTING}: key {number} in {path} is not a Fernet key "
                                 "(32 url-safe base64-encoded bytes)") from None
    return keys


def open_cipher(sessions: sessionmaker, key_file: Path, create: bool) -> SecretCipher:
    """The cipher of this database's secrets, checked against its check value.

    While the database holds no secret, no key can be wrong: ``create`` (the
    default location) makes a missing key file, and the check value follows
    the key of the server that starts (servers that share a database and use
    no secrets keep working with key files of their own). Once it holds
    secrets, a missing key file or another key stops start-up.
    """
    with sessions() as session, session.begin():
        check = session.scalar(select(SecretKeyCheck))
        holds_secrets = session.scalar(select(SecretRow.id).limit(1)) is not None
        if create and not holds_secrets and not key_file.exists():
            write_key_file(key_file, [Fernet.generate_key()])
        cipher = SecretCipher(read_keys(key_file))
        if check is None:
            session.add(SecretKeyCheck(id=1, token=cipher.encrypt(CHECK_PLAINTEXT.decode())))
        elif not cipher.matches(check.token):
            if holds_secrets:
                raise SecretKeyError(f"{SETTING}: the key in {key_file} is not the key this database's secrets were "
                                     "encrypted with (wrong key file)")
            check.token = cipher.encrypt(CHECK_PLAINTEXT.decode())
    return cipher


def require_current_key(session: Session, cipher: SecretCipher) -> None:
    """Before encrypting a value: the database's check value is this server's key's (KeyMismatch if not)."""
    check = session.scalar(select(SecretKeyCheck))
    if check is None or not cipher.matches(check.token):
        raise KeyMismatch()
