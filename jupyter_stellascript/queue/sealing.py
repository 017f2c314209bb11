"""Secrets a queued run was given, sealed for the row that waits in the database.

A run's secrets are resolved (and permission-checked) for its caller when it
is accepted; the executor that takes it may be another process on another
host. What waits in between is encrypted with the servers' secret key
(workers are given the same key file): never a value in plain text.
"""

from __future__ import annotations

import dataclasses
import json

from ..execution.models import ExecutionRequest
from ..secrets.crypto import SecretCipher
from ..secrets.delivery import DeliveredSecret


def seal(cipher: SecretCipher | None, secrets: tuple[DeliveredSecret, ...]) -> str | None:
    if not secrets:
        return None
    if cipher is None:
        raise RuntimeError("a run with secrets needs the secret key to be queued")
    return cipher.encrypt(json.dumps([dataclasses.asdict(secret) for secret in secrets])).decode("ascii")


def unseal(cipher: SecretCipher | None, sealed: str | None) -> tuple[DeliveredSecret, ...]:
    if not sealed:
        return ()
    if cipher is None:
        raise RuntimeError("this run has secrets and this executor has no secret key (--secret-key-file)")
    return tuple(DeliveredSecret(**item) for item in json.loads(cipher.decrypt(sealed.encode("ascii"))))


def request_of(data: dict, secrets: tuple[DeliveredSecret, ...]) -> ExecutionRequest:
    """The ExecutionRequest a queue row holds, with its secrets back."""
    return ExecutionRequest(**data, delivered_secrets=secrets)
