"""Our side of jupyter-lsp inside a running Jupyter server.

- Points jupyter-lsp at the editor tools' ``node_modules`` (pyright,
  typescript-language-server, bash-language-server), so its own specs find them.
- Watches the language server processes: jupyter-lsp starts a server when an
  editor connects but never notices it dying, leaving editors talking to a dead
  pipe, and JupyterLab's LSP client does not reconnect. A dead server is
  replaced behind the same websockets and brought to the editors' state
  (replay.py); one that keeps dying is given up on and its websockets closed.
- Reports, per Stella Script language, which server is meant to serve it and
  whether it is there (``GET .../lsp/status``).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tornado.ioloop import PeriodicCallback

from ..languages import LANGUAGES
from .replay import ClientState
from .tools import tools_dir

log = logging.getLogger("jupyter_stellascript.lsp")

WATCH_INTERVAL_MS = 2000
WEBSOCKET_CLOSE_SERVER_DIED = 1011  # "internal error"
# A server dying this often is broken, not unlucky: stop restarting it.
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0


@dataclass
class ServerWatch:
    """What each language server's editors said (for replays) and how often
    each server died and was replaced in this Jupyter server."""

    clients: dict[str, ClientState] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    recent_deaths: dict[str, deque] = field(default_factory=dict)
    gave_up: dict[str, str] = field(default_factory=dict)
    callback: PeriodicCallback | None = None
    listener: Any = None


def attach(serverapp: Any) -> ServerWatch:
    """Hook into jupyter-lsp if it is loaded (it loads before us: extensions
    load in name order, and it initializes its manager lazily after loading)."""
    watch = ServerWatch()
    manager = getattr(serverapp, "language_server_manager", None)
    if manager is None:
        log.info("jupyter-lsp is not loaded in this server: no language servers for the editor")
        return watch
    root = str(tools_dir())
    if root not in manager.extra_node_roots:
        # After the roots a user configured: theirs win.
        manager.extra_node_roots = [*manager.extra_node_roots, root]

    async def remember(scope: str, message: dict, language_server: str, manager: Any) -> None:
        watch.clients.setdefault(language_server, ClientState()).observe(message)
        if message.get("method") == "initialize":
            watch.gave_up.pop(language_server, None)  # an editor starts afresh: try again

    watch.listener = remember
    manager.register_message_listener(scope="client")(remember)
    watch.callback = PeriodicCallback(lambda: check_sessions(manager, watch), WATCH_INTERVAL_MS)
    watch.callback.start()
    return watch


def detach(watch: ServerWatch | None) -> None:
    if watch is None:
        return
    if watch.callback is not None:
        watch.callback.stop()
    if watch.listener is not None:
        from jupyter_lsp.manager import LanguageServerManager

        LanguageServerManager.unregister_message_listener(watch.listener)


def check_sessions(manager: Any, watch: ServerWatch) -> None:
    """Replace every language server that died while editors are connected."""
    for name, session in list(manager.sessions.items()):
        process = session.process
        if process is None or process.poll() is None:
            continue
        code = process.returncode
        session.stop()  # forgets the dead process
        if not session.handlers:
            continue  # nobody is editing: the next editor starts a new one
        deaths = watch.recent_deaths.setdefault(name, deque(maxlen=MAX_RESTARTS))
        deaths.append(time.monotonic())
        if len(deaths) == MAX_RESTARTS and deaths[-1] - deaths[0] < RESTART_WINDOW_S:
            reason = f"language server {name} died {MAX_RESTARTS} times within {RESTART_WINDOW_S:.0f} s (last exit code {code})"
            log.error("%s; not restarting it", reason)
            watch.gave_up[name] = reason
            for handler in list(session.handlers):
                handler.close(WEBSOCKET_CLOSE_SERVER_DIED, reason)
            continue
        watch.restarts[name] = watch.restarts.get(name, 0) + 1
        log.warning("language server %s exited with code %s; starting a new one for its %d editor connection(s)",
                    name, code, len(session.handlers))
        session.initialize()
        for message in watch.clients.get(name, ClientState()).replay(watch.restarts[name]):
            session.write(message)


def status(manager: Any | None, watch: ServerWatch | None) -> dict[str, Any]:
    """Per language: the server meant to serve it, whether it is installed,
    what is missing, and its session (running or not) in this Jupyter server."""
    languages: dict[str, Any] = {}
    for language, profile in LANGUAGES.items():
        expected = profile.language_server.server
        entry: dict[str, Any] = {"language_id": profile.language_server.language_id, "server": expected,
                                 "available": False, "missing": None, "session": None, "restarts": 0}
        if expected is None:
            entry["missing"] = profile.language_server.missing
        elif manager is None:
            entry["missing"] = "jupyter-lsp is not loaded in this server (the headless `stellascript serve` has no editor)"
        else:
            installed = manager.language_servers.get(expected)
            known = manager.all_language_servers.get(expected)
            entry["available"] = installed is not None
            if installed is None:
                entry["missing"] = (known or {}).get("troubleshoot") or (
                    f"{expected} is not installed: run `make setup` (it installs the editor's language servers)")
            session = manager.sessions.get(expected)
            if session is not None:
                entry["session"] = {"status": session.status.value, "handler_count": len(session.handlers)}
            entry["restarts"] = watch.restarts.get(expected, 0) if watch else 0
            if watch and expected in watch.gave_up:
                entry["available"] = False
                entry["missing"] = watch.gave_up[expected]
        languages[language] = entry
    return {"jupyter_lsp": manager is not None, "languages": languages}
