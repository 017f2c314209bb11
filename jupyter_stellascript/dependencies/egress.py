"""Resolution with network ``none`` and one way out: the configured registries.

A resolution container has no network of its own: it shares the network
namespace of a relay container (network none, the Python runtime image)
whose ``egress_forward.py`` listens on 127.0.0.1:3128, the package manager's
HTTP(S) proxy, and passes each connection through a Unix socket in the
mounted work folder to this host-side proxy. The relay is a container of
its own so that every runtime image works, whatever it holds. The proxy
allows ``CONNECT host:port`` (HTTPS, end-to-end TLS the tool verifies) and
plain-HTTP requests only to the allow-list: the hosts of the configured
package sources plus ``DependencySettings.allowed_hosts`` (PyPI serves its
files from files.pythonhosted.org); anything else is answered 403 and
recorded, so that the error can name the host. The proxy runs in the server
process with the host's network, so sources the host reaches (a loopback
index, an egress proxy's routes) work as before.

Why not an engine network: Podman's internal networks (CNI, as here) give
the host no address on them, so nothing on the host is reachable from one;
a proxy container on two networks could not reach loopback sources; and
filtering a bridge network would mean changing the host's firewall.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from .models import DependencyError

log = logging.getLogger(__name__)

PROXY_HOST, PROXY_PORT = "127.0.0.1", 3128  # in the relay's network namespace (egress_forward.PORT)
PROXY_IN_CONTAINER = f"http://{PROXY_HOST}:{PROXY_PORT}"
FORWARD_IN_CONTAINER = "/opt/stellascript/egress/forward.py"
FORWARD_SCRIPT = Path(__file__).with_name("egress_forward.py")
SOCKET_NAME = "egress.sock"  # in the work folder, mounted at /out (egress_forward.SOCKET)
HEAD_LIMIT = 64 * 1024
CONNECT_TIMEOUT_S = 30.0
DEFAULT_PORTS = {"http": 80, "https": 443}


def allowed_endpoints(sources: Iterable[str], extra_hosts: Iterable[str]) -> set[tuple[str, int]]:
    """(host, port) pairs a resolution may reach: each source's, and each
    extra host ("host" for ports 443 and 80, or "host:port"). A source is a
    URL, or a list as the go command takes GOPROXY ("URL,URL|direct"), or a
    GOSUMDB value (a database's name, reached over HTTPS, and optionally its
    URL); "direct", "off" and folder feeds reach nothing."""
    allowed = set()
    for source in sources:
        for entry in re.split(r"[,|\s]+", source.strip()):
            parts = urlsplit(entry)
            if parts.scheme in DEFAULT_PORTS and parts.hostname:
                allowed.add((parts.hostname.lower(), parts.port or DEFAULT_PORTS[parts.scheme]))
            elif entry and not parts.scheme and entry not in ("direct", "off") and not entry.startswith(("/", ".")):
                allowed.add((entry.split("+", 1)[0].lower(), 443))  # GOSUMDB's "name[+key]"
    for entry in extra_hosts:
        host, _, port = entry.strip().lower().partition(":")
        allowed |= {(host, int(port))} if port.isdigit() else {(host, 443), (host, 80)}
    return allowed


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError as error:  # either side went away: the relay ends
        log.debug("egress relay closed: %s", error)
    for end in (target, source):
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)


class EgressProxy:
    """The host side: a Unix-socket HTTP proxy that only reaches ``allowed``."""

    def __init__(self, socket_path: Path, allowed: set[tuple[str, int]]) -> None:
        self.socket_path = socket_path
        self.allowed = allowed
        self.denied: list[str] = []  # "host:port" asked for and refused
        self._listener: socket.socket | None = None

    def __enter__(self) -> "EgressProxy":
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.socket_path))
        os.chmod(self.socket_path, 0o777)  # the tool runs as the unprivileged user
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, name="stellascript-egress", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed: the resolution is over
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head and len(head) < HEAD_LIMIT:
            chunk = client.recv(65536)
            if not chunk:
                client.close()
                return
            head += chunk
        head, _, rest = head.partition(b"\r\n\r\n")
        request_line, *headers = head.decode("latin-1").split("\r\n")
        method, target, version = (request_line.split(" ") + ["", "", ""])[:3]
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            endpoint = (host.strip("[]").lower(), int(port) if port.isdigit() else 443)
            path = None
        else:
            parts = urlsplit(target)
            endpoint = ((parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(parts.scheme, 80))
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if endpoint not in self.allowed:
            self.denied.append(f"{endpoint[0]}:{endpoint[1]}")
            self._refuse(client, 403, f"{endpoint[0]}:{endpoint[1]} is not a configured package source")
            return
        try:
            upstream = socket.create_connection(endpoint, timeout=CONNECT_TIMEOUT_S)
            upstream.settimeout(None)
        except OSError as error:
            self._refuse(client, 502, f"{endpoint[0]}:{endpoint[1]} could not be reached: {error}")
            return
        if path is None:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:  # plain HTTP: the request in origin form, one request per connection
            kept = [h for h in headers if h.split(":", 1)[0].strip().lower() not in ("proxy-connection", "connection")]
            upstream.sendall("\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""]).encode("latin-1"))
        if rest:
            upstream.sendall(rest)
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)

    @staticmethod
    def _refuse(client: socket.socket, status: int, reason: str) -> None:
        body = f"stellascript: {reason}\n".encode()
        with contextlib.suppress(OSError):
            client.sendall(f"HTTP/1.1 {status} {'Forbidden' if status == 403 else 'Bad Gateway'}\r\n"
                           f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                           + body)
        client.close()


def not_allowed(denied: list[str], source: str, registry: str) -> DependencyError:
    """The error of a resolution that needed hosts the allow-list refused."""
    hosts = ", ".join(dict.fromkeys(denied))
    return DependencyError(f"resolving from {registry} {source} needed {hosts}, which is not an allowed package host; "
                           "add it to c.StellaScript.dependency_allowed_hosts (or STELLASCRIPT_DEPENDENCY_ALLOWED_HOSTS)",
                           kind="unreachable", source=source)


@contextlib.contextmanager
def egress(workdir: Path, allowed: set[tuple[str, int]]) -> Iterator[EgressProxy]:
    with EgressProxy(workdir / SOCKET_NAME, allowed) as proxy:
        yield proxy


PROXY_ENVIRONMENT = {name: PROXY_IN_CONTAINER for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")} | {
    "NO_PROXY": "", "no_proxy": ""}
