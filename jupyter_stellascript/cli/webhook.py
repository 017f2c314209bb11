"""``stellascript webhook``: webhook triggers of a server (--url, $STELLASCRIPT_URL). The secret
is printed once, at create and rotate. A refused body exits 2, other refusals 1."""

from __future__ import annotations

import click

from .remote import _echo_json, _table, _with_client
from .schedule import call


@click.group()
def webhook() -> None:
    """Webhook triggers: a URL and a secret that start one script or workflow, as you."""


def _show_secret(hook: dict) -> None:
    click.echo(f"url:         {hook['url']}")
    click.echo(f"secret:      {hook['secret']}")
    click.echo(f"signing key: {hook['signing_key']}")
    click.echo("The secret is shown once: call the URL with 'Authorization: token <secret>', or sign the body "
               "with the signing key as X-Hub-Signature-256 (GitHub's webhook secret).", err=True)


@webhook.command("create")
@click.argument("target")
@click.option("--name", required=True, help="What calls it (a pipeline, a repository).")
@click.option("--workflow", "is_workflow", is_flag=True, help="TARGET is a workflow's id, not a script.")
@click.option("--version", help="The version to run (default: the latest at each call).")
@_with_client
def webhook_create(client, target: str, name: str, is_workflow: bool, version: str | None) -> None:
    """A webhook that runs TARGET (a script: id, name or owner/name)."""
    body = {"name": name, "version": version, ("workflow_id" if is_workflow else "script_id"): target}
    _show_secret(call(client, "POST", "webhooks", {k: v for k, v in body.items() if v is not None}))


@webhook.command("list")
@click.option("--json", "as_json", is_flag=True)
@_with_client
def webhook_list(client, as_json: bool) -> None:
    items = call(client, "GET", "webhooks?limit=500")["items"]
    if as_json:
        _echo_json(items)
        return
    _table([[h["id"], h["name"], h["script_id"] and "script" or "workflow", "revoked" if h["revoked"] else "active",
             h["last_used_at"] or "", h["url"]] for h in items], ["ID", "NAME", "TARGET", "STATE", "LAST USED", "URL"])


@webhook.command("rotate")
@click.argument("webhook_id")
@_with_client
def webhook_rotate(client, webhook_id: str) -> None:
    """A new secret (the old one stops at once)."""
    _show_secret(call(client, "POST", f"webhooks/{webhook_id}/rotate"))


@webhook.command("revoke")
@click.argument("webhook_id")
@_with_client
def webhook_revoke(client, webhook_id: str) -> None:
    """Its secret stops working (rotate gives it a new one)."""
    call(client, "POST", f"webhooks/{webhook_id}/revoke")
    click.echo(f"revoked {webhook_id}", err=True)


@webhook.command("delete")
@click.argument("webhook_id")
@_with_client
def webhook_delete(client, webhook_id: str) -> None:
    call(client, "DELETE", f"webhooks/{webhook_id}")
    click.echo(f"deleted {webhook_id}", err=True)


__all__ = ["webhook"]
