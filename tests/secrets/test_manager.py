"""SecretManager.deliver on a real SQLite database: what a run is given for
{ENV: reference} and for file-only references (the values of secret-typed
parameters), and what it is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_stellascript.db import open_database
from jupyter_stellascript.errors import Unauthenticated, ValidationFailed
from jupyter_stellascript.identity import ANONYMOUS, Caller
from jupyter_stellascript.secrets.crypto import SecretKeyError, open_cipher
from jupyter_stellascript.secrets.manager import SecretManager
from jupyter_stellascript.secrets.models import MAX_SECRETS_PER_RUN, SecretCreate

ANA = Caller("ana", frozenset({"ops"}))
BO = Caller("bo", frozenset({"ops"}))
CY = Caller("cy")


@pytest.fixture()
def manager(tmp_path: Path) -> SecretManager:
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    secrets = SecretManager(sessions, open_cipher(sessions, tmp_path / "secret.key", create=True))
    secrets.create(ANA, SecretCreate(name="db", value="ana-db-value", visibility="team", team="ops"))
    secrets.create(ANA, SecretCreate(name="api", value="ana-api-value"))
    secrets.create(BO, SecretCreate(name="db", value="bo-db-value", visibility="organization"))
    return secrets


def test_variables_and_files_resolve_once_per_name(manager):
    delivered = manager.deliver(ANA, {"DB": "db", "DB_AGAIN": "ana/db"}, ["db", "api"])
    assert {(s.name, s.owner, s.env, s.value) for s in delivered} == {
        ("db", "ana", "DB", "ana-db-value"), ("db", "ana", "DB_AGAIN", "ana-db-value"),
        ("db", "ana", None, "ana-db-value"), ("api", "ana", None, "ana-api-value")}
    assert "ana-db-value" not in repr(delivered)
    assert [s.usage() for s in delivered if s.env == "DB"] == [{"name": "db", "owner": "ana", "version": 1, "env": "DB"}]


def test_what_a_caller_may_not_use_is_refused_naming_the_field(manager):
    with pytest.raises(ValidationFailed) as refused:
        manager.deliver(CY, {"OK": "bo/db", "NOPE": "ana/api"}, ["ana/db"])
    assert [e["field"] for e in refused.value.errors] == ["secrets.NOPE", "secret_files[0]"]
    assert all("no secret" in e["message"] for e in refused.value.errors)
    with pytest.raises(Unauthenticated):
        manager.deliver(ANONYMOUS, {}, ["bo/db"])
    assert manager.deliver(ANONYMOUS, {}, []) == ()


def test_two_owners_secrets_of_one_name_would_be_one_file(manager):
    with pytest.raises(ValidationFailed, match="same file /run/secrets/db"):
        manager.deliver(ANA, {"MINE": "ana/db", "HIS": "bo/db"})


def test_at_most_so_many_secrets_per_run(manager):
    for index in range(MAX_SECRETS_PER_RUN):
        manager.create(CY, SecretCreate(name=f"s{index}", value=f"value-{index}"))
    assert len(manager.deliver(CY, {}, [f"s{index}" for index in range(MAX_SECRETS_PER_RUN)])) == MAX_SECRETS_PER_RUN
    with pytest.raises(ValidationFailed, match=f"at most {MAX_SECRETS_PER_RUN}"):
        manager.deliver(CY, {}, [f"s{index}" for index in range(MAX_SECRETS_PER_RUN)] + ["bo/db"])


def test_a_key_file_is_made_only_for_a_database_without_secrets(tmp_path: Path, manager):
    sessions = manager.sessions
    with pytest.raises(SecretKeyError, match="StellaScript.secret_key_file: the key file .* is missing"):
        open_cipher(sessions, tmp_path / "other.key", create=True)
    assert not (tmp_path / "other.key").exists()
