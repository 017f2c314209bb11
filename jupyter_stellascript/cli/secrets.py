"""``stellascript secret set|list|show|delete`` (a server's secret store over
REST) and ``stellascript secrets rotate-key`` (this host's key file and database).

A value is read from stdin when it is not a terminal, else from a prompt
that does not echo: never from the command line, where other users of the
host could read it (ps, shell history).
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from .common import EXIT_BAD_INPUT, fail, use_data_dir
from .remote import _echo_json, _table, _with_client

VISIBILITIES = click.Choice(["private", "team", "organization"])


def _read_value(name: str) -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        value = sys.stdin.read()
        # One trailing newline is the terminator of `echo x |` or a file's last line, not part of the value.
        value = value[:-1] if value.endswith("\n") else value
        value = value[:-1] if value.endswith("\r") else value
    else:
        value = getpass.getpass(f"value of {name}: ")
    if not value:
        fail("the value is empty (pipe it on stdin, or type it at the prompt)", EXIT_BAD_INPUT)
    return value


@click.group()
def secret() -> None:
    """Secrets of a server (--url, $STELLASCRIPT_URL): values are write-only."""


@secret.command("set")
@click.argument("name")
@click.option("--visibility", type=VISIBILITIES, help="Who may use it (new secrets: private).")
@click.option("--team", help="For team visibility: the team to share with (default: your only team).")
@click.option("--description", help="What it is for.")
@_with_client
def secret_set(client, name: str, visibility: str | None, team: str | None, description: str | None) -> None:
    """Create secret NAME, or give yours a new value (a new version).
    The value comes from stdin, or a prompt: never from the command line."""
    from ..client import ClientError

    value = _read_value(name)
    fields = {"visibility": visibility, "team": team, "description": description}
    try:
        secret = client.create_secret(name=name, value=value, **fields)
        verb = "created"
    except ClientError as error:
        if error.status != 409:
            raise
        secret = client.replace_secret(name, value=value, **fields)
        verb = "replaced"
    click.echo(f"{verb} {secret['reference']} version {secret['version']} ({secret['visibility']})", err=True)


@secret.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the server's answer as JSON.")
@_with_client
def secret_list(client, as_json: bool) -> None:
    """The secrets you may use (names and metadata)."""
    items = client.list_secrets()
    if as_json:
        _echo_json(items)
        return
    _table([[s["name"], s["owner"], s["visibility"], s["team"] or "", str(s["version"]), s["updated_at"], s["description"]]
            for s in items], ["NAME", "OWNER", "VISIBILITY", "TEAM", "VERSION", "UPDATED", "DESCRIPTION"])


@secret.command("show")
@click.argument("name")
@_with_client
def secret_show(client, name: str) -> None:
    """A secret's metadata as JSON (never its value)."""
    _echo_json(client.get_secret(name))


@secret.command("delete")
@click.argument("name")
@_with_client
def secret_delete(client, name: str) -> None:
    """Delete a secret of yours (NAME or owner/NAME; admins: anyone's)."""
    client.delete_secret(name)
    click.echo(f"deleted {name}", err=True)


@click.group()
def secrets() -> None:
    """The secret store of this host's data directory."""


@secrets.command("rotate-key")
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), help="Data directory (default: $STELLASCRIPT_DATA).")
@click.option("--db-url", help="Database URL, when not the data directory's SQLite.")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path),
              help="The key file (c.StellaScript.secret_key_file; default: secret.key in the data directory).")
@click.option("--force", is_flag=True, help="Rotate even though servers using the database seem to be running.")
def rotate_key(data: Path | None, db_url: str | None, key_file: Path | None, force: bool) -> None:
    """Re-encrypt every secret under a new key. The old key is kept in
    <key file>.old-<time> (for older database backups); stop the servers first."""
    from ..config import StellaScript
    from ..db import open_database
    from ..secrets.crypto import SecretKeyError
    from ..secrets.rotation import ServersRunning, rotate_key as rotate

    use_data_dir(data)
    config = StellaScript()
    if db_url:
        config.db_url = db_url
    if key_file:
        config.secret_key_file = str(key_file)
    try:
        rotation = rotate(open_database(config.resolved_db_url()), config.resolved_secret_key_file()[0], force=force)
    except (SecretKeyError, ServersRunning) as error:
        fail(str(error))
    click.echo(f"re-encrypted {rotation.secrets} secret(s) under a new key; the old key is in {rotation.old_keys_file}")


__all__ = ["secret", "secrets"]
