"""Finding the Stella Script server a notebook talks to."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..client import ClientError, ServerUnreachable, StellaScriptClient, api_url
from .errors import MagicError
from .scripts import describe_client_error


@dataclass
class Connection:
    client: StellaScriptClient
    source: str
    health: dict

    @property
    def user(self) -> str | None:
        caller = self.health.get("caller")
        return caller.get("name") if isinstance(caller, dict) else None

    def describe(self) -> str:
        who = f"as {self.user}" if self.user else "anonymously"
        engine = self.health.get("engine", "?")
        return f"connected to {api_url(self.client.url)} {who} (engine {engine}; {self.source})"


def open_connection(url: str, token: str | None, source: str) -> Connection:
    """A client for url whose health answers as Stella Script's; MagicError otherwise."""
    client = StellaScriptClient(url, token=token, timeout=(5.0, 300.0), trigger="notebook")
    try:
        health = client.health()
    except ServerUnreachable as error:
        raise MagicError(error.message) from None
    except ClientError as error:
        if error.status == 404:
            raise MagicError(f"{url} has no Stella Script API (is the jupyter_stellascript extension enabled there?)") from None
        raise MagicError(f"{api_url(url)}: {describe_client_error(error)}") from None
    if not isinstance(health, dict) or "engine" not in health:
        raise MagicError(f"{url} answered its health check with something that is not Stella Script's")
    if token and "caller" in health and health["caller"] is None:
        raise MagicError(f"{api_url(url)} does not accept this token (401): check STELLASCRIPT_TOKEN or --token")
    return Connection(client, source, health)


def rank_servers(servers: list[dict], cwd: str, parent_pid: int | None = None) -> list[dict]:
    """The running Jupyter servers that may be this kernel's, best first: the one
    that started it, then those whose root directory holds cwd (deepest root
    first), then, when only one server runs at all, that one."""
    here = Path(cwd).resolve()
    chosen: list[dict] = []
    if parent_pid:
        chosen += [info for info in servers if info.get("pid") == parent_pid]
    holding = []
    for info in servers:
        root = info.get("root_dir") or info.get("notebook_dir")
        if not root:
            continue
        root_path = Path(root).resolve()
        if here == root_path or root_path in here.parents:
            holding.append((len(root_path.parts), info))
    chosen += [info for _, info in sorted(holding, key=lambda pair: -pair[0]) if info not in chosen]
    if not chosen and len(servers) == 1:
        chosen = list(servers)
    return chosen


def discover() -> Connection:
    """This kernel's Jupyter server, if it has Stella Script."""
    hint = "set STELLASCRIPT_URL (and STELLASCRIPT_TOKEN) or run %stellascript connect URL --token T"
    try:
        from jupyter_server.serverapp import list_running_servers

        servers = list(list_running_servers())
    except Exception as error:  # no jupyter_server, or an unreadable runtime dir
        raise MagicError(f"not connected: cannot look for running Jupyter servers ({error}); {hint}") from None
    parent = os.environ.get("JPY_PARENT_PID")
    candidates = rank_servers(servers, os.getcwd(), int(parent) if parent and parent.isdigit() else None)
    if not candidates:
        found = f"{len(servers)} Jupyter servers run here but none serves {os.getcwd()}" if servers else "no running Jupyter server was found"
        raise MagicError(f"not connected: {found}; {hint}")
    problems = []
    for info in candidates:
        if info.get("sock"):
            problems.append(f"{info['sock']} is a Unix socket")
            continue
        urls = [info.get("url") or f"http://127.0.0.1:{info.get('port')}{info.get('base_url', '/')}"]
        if info.get("port"):
            urls.append(f"http://127.0.0.1:{info['port']}{info.get('base_url', '/')}")
        for url in dict.fromkeys(urls):
            try:
                return open_connection(url, info.get("token") or None,
                                       f"the Jupyter server of {info.get('root_dir', '?')}, pid {info.get('pid', '?')}")
            except MagicError as error:
                problems.append(str(error))
    raise MagicError(f"not connected: {problems[0] if problems else 'no usable Jupyter server'}; {hint}")


def connect_from_environment() -> Connection:
    url = os.environ.get("STELLASCRIPT_URL")
    if url:
        return open_connection(url, os.environ.get("STELLASCRIPT_TOKEN") or None, "from STELLASCRIPT_URL")
    return discover()


