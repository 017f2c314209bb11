"""``stellascript serve`` and ``stellascript token``: the headless server and its API tokens."""

from __future__ import annotations

from pathlib import Path

import click

from .common import use_data_dir


@click.command()
@click.option("--port", type=int, default=8890, show_default=True)
@click.option("--ip", default="127.0.0.1", show_default=True)
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), help="Data directory (default: $STELLASCRIPT_DATA).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="A jupyter_server_config.py with c.StellaScript settings.")
def serve(port: int, ip: str, data: Path | None, config_file: Path | None) -> None:
    """Run the REST API headless (no JupyterLab UI), with API-token identities."""
    from ..headless import serve_headless

    use_data_dir(data)
    serve_headless(port=port, ip=ip, config_file=config_file)


@click.group()
def token() -> None:
    """API tokens for headless servers."""


def _database(data: Path | None, db_url: str | None):
    from ..config import StellaScript
    from ..db import open_database

    use_data_dir(data)
    config = StellaScript()
    if db_url:
        config.db_url = db_url
    return open_database(config.resolved_db_url())


_data_option = click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path),
                            help="Data directory (default: $STELLASCRIPT_DATA).")
_db_url_option = click.option("--db-url", help="Database URL, when not the data directory's SQLite.")


@token.command("create")
@click.option("--user", required=True, help="The user the token acts as.")
@click.option("--team", "teams", multiple=True, help="A team of the user (repeatable).")
@click.option("--admin", is_flag=True, help="The user may change and delete any script.")
@_data_option
@_db_url_option
def token_create(user: str, teams: tuple[str, ...], admin: bool, data: Path | None, db_url: str | None) -> None:
    """Create a token and print it (it is stored only as a hash)."""
    from ..auth import create_token

    click.echo(create_token(_database(data, db_url), user, list(teams), admin))


@token.command("revoke")
@click.argument("token_value", metavar="TOKEN", required=False)
@click.option("--user", help="Revoke every token of this user instead.")
@_data_option
@_db_url_option
def token_revoke(token_value: str | None, user: str | None, data: Path | None, db_url: str | None) -> None:
    """Revoke a token (or all of a user's): requests and browser sessions using it are refused from then on."""
    from ..auth import revoke_tokens

    if bool(token_value) == bool(user):
        raise click.UsageError("give either a TOKEN or --user NAME")
    revoked = revoke_tokens(_database(data, db_url), token=token_value, user=user)
    if not revoked:
        raise click.ClickException("no such token" if token_value else f"user {user!r} has no tokens")
    click.echo(f"revoked {revoked} token(s)")
