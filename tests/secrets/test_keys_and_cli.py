"""The key file: created 0600 on first start, a missing or wrong one stops
start-up naming c.StellaScript.secret_key_file, rotation keeps every secret
readable; and the CLI's secret set (value on stdin) / list / delete."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess

import pytest
from cryptography.fernet import Fernet

from tests.secrets.conftest import POOLS, create_secret, unique_value
from tests.servers import STELLASCRIPT, RunningServer, json_of

DIGESTS = 'for f in /run/secrets/*; do echo "$(basename "$f") $(sha256sum < "$f" | cut -c1-64)"; done\n'


def _digests(server: RunningServer, token: str, names: list[str]) -> dict[str, str]:
    response = server.request("POST", "/scripts/executions?wait=true", token=token, json={
        "language": "bash", "content": DIGESTS, "secrets": {f"S{index}": name for index, name in enumerate(names)}})
    result = json_of(response)
    assert result["status"] == "Succeeded", result
    return dict(line.split(" ", 1) for line in result["stdout"].splitlines())


def _refuses_to_start(server: RunningServer, expected: str) -> None:
    with pytest.raises(RuntimeError) as failure:
        server.start()
    assert "StellaScript.secret_key_file" in str(failure.value) and expected in str(failure.value), str(failure.value)[-2000:]


def test_key_file_rotation_and_wrong_or_missing_keys(tmp_path, runtime_images):
    server = RunningServer(tmp_path / "data", settings={"pool_sizes": POOLS}).start()
    key_file = tmp_path / "data" / "secret.key"
    values = {f"rot-{index}": unique_value(f"rotate{index}") for index in range(3)}
    try:
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        token = server.token("rotator")
        for name, value in values.items():
            create_secret(server, token, name, value)
        expected = {name: hashlib.sha256(value.encode()).hexdigest() for name, value in values.items()}
        assert _digests(server, token, list(values)) == expected
        refused = subprocess.run([STELLASCRIPT, "secrets", "rotate-key", "--data", str(server.data_dir)], capture_output=True, text=True)
        assert refused.returncode == 2 and "stop them first" in refused.stderr  # the server holds the old key
    finally:
        server.stop()
    old_key = key_file.read_bytes()
    rotated = subprocess.run([STELLASCRIPT, "secrets", "rotate-key", "--data", str(server.data_dir)], capture_output=True, text=True)
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted 3 secret(s)" in rotated.stdout
    new_key = key_file.read_bytes()
    assert new_key != old_key and len(new_key.split()) == 1 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    (old_keys_file,) = key_file.parent.glob("secret.key.old-*")
    assert old_keys_file.read_bytes() == old_key and stat.S_IMODE(old_keys_file.stat().st_mode) == 0o600

    server.start()
    try:
        assert _digests(server, token, list(values)) == expected  # every secret readable under the new key alone
    finally:
        server.stop()

    key_file.write_bytes(Fernet.generate_key() + b"\n")
    _refuses_to_start(server, "wrong key")
    key_file.write_bytes(b"not a key\n")
    _refuses_to_start(server, "not a Fernet key")
    key_file.unlink()
    _refuses_to_start(server, "missing")
    assert not key_file.exists()  # not made again: the database's secrets need the lost key
    key_file.write_bytes(new_key)
    server.start()
    server.stop()


def test_an_explicit_key_file_that_is_missing_stops_start_up(tmp_path, runtime_images):
    server = RunningServer(tmp_path / "data", settings={"pool_sizes": POOLS, "secret_key_file": str(tmp_path / "absent.key")})
    _refuses_to_start(server, "missing")


def test_servers_sharing_a_database_without_secrets_start_with_key_files_of_their_own(tmp_path, runtime_images, postgres):
    """Until the database holds a secret no key can be wrong; after, only the key it was encrypted with opens it."""
    url = postgres.create_database(f"secrets_keys_{os.getpid()}_{tmp_path.name[-6:]}".replace("-", "_"))
    first = RunningServer(tmp_path / "first", db_url=url, settings={"pool_sizes": POOLS}).start(wait_for_engine=False)
    second = RunningServer(tmp_path / "second", db_url=url, settings={"pool_sizes": POOLS}).start(wait_for_engine=False)
    try:
        token = first.token("sharer")
        refused = first.request("POST", "/secrets", token=token, json={"name": "shared", "value": unique_value("shared")})
        assert refused.status_code == 503 and "StellaScript.secret_key_file" in refused.text, refused.text
        create_secret(second, token, "shared", unique_value("shared"))  # the newest server's key is the database's
    finally:
        first.stop()
        second.stop()
    _refuses_to_start(first, "wrong key")
    second.start(wait_for_engine=False)
    second.stop()


def _cli(server: RunningServer, token: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "STELLASCRIPT_URL": server.url, "STELLASCRIPT_TOKEN": token}
    return subprocess.run([STELLASCRIPT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


def test_cli_set_from_stdin_list_and_delete(secret_server, tokens):
    first, second = unique_value("cli-one"), unique_value("cli-two")
    created = _cli(secret_server, tokens["owner"], "secret", "set", "cli-db", "--description", "from the CLI", stdin=first + "\n")
    assert created.returncode == 0, created.stderr
    assert "created sec-owner/cli-db version 1 (private)" in created.stderr
    replaced = _cli(secret_server, tokens["owner"], "secret", "set", "cli-db", "--visibility", "team", stdin=second)
    assert replaced.returncode == 0 and "replaced sec-owner/cli-db version 2 (team)" in replaced.stderr, replaced.stderr
    listed = _cli(secret_server, tokens["teammate"], "secret", "list")
    assert listed.returncode == 0 and any(line.split()[:5] == ["cli-db", "sec-owner", "team", "sec-red", "2"]
                                          for line in listed.stdout.splitlines()), listed.stdout
    # The value went in exactly as piped (one trailing newline dropped): the run sees it.
    assert _digests(secret_server, tokens["owner"], ["cli-db"]) == {"cli-db": hashlib.sha256(second.encode()).hexdigest()}
    empty = _cli(secret_server, tokens["owner"], "secret", "set", "cli-empty", stdin="")
    assert empty.returncode == 2 and "empty" in empty.stderr
    foreign = _cli(secret_server, tokens["teammate"], "secret", "delete", "sec-owner/cli-db")
    assert foreign.returncode == 1 and "403" in foreign.stderr
    deleted = _cli(secret_server, tokens["owner"], "secret", "delete", "cli-db")
    assert deleted.returncode == 0, deleted.stderr
    assert "cli-db" not in _cli(secret_server, tokens["owner"], "secret", "list").stdout
    for output in (created, replaced, listed, foreign, deleted):
        assert first not in output.stdout + output.stderr and second not in output.stdout + output.stderr
