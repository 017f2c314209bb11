"""The host side of the in-container agent (``runtimes/agent``).

The agent is a small static Go binary, bind-mounted read-only into every
runtime container as its first process. The host asks it to run a command
over a Unix socket and gets stdout/stderr frames back as they are written,
then a report with the exit code and peak memory. This keeps the engine API
(and its 70-100 ms exec round trips) off the hot path of a warm run. It also
sends folders of the container's own filesystems (a compile step's output in
the /work tmpfs) as tar streams.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import shutil
import socket
import struct
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import data_dir, repository_runtimes_dir

FRAME_STDOUT = 1
FRAME_STDERR = 2
FRAME_REPORT = 3
_HEADER = struct.Struct(">BI")

OutputCallback = Callable[[int, bytes], None]


class AgentError(RuntimeError):
    """The agent could not be reached or broke the protocol."""


class AgentTimeout(TimeoutError):
    pass


class AgentCancelled(RuntimeError):
    pass


class AgentArchiveTooLarge(AgentError):
    """A folder the agent sends is larger than the caller takes."""


@dataclass
class AgentReport:
    exit_code: int
    signal: int = 0
    max_rss_bytes: int = 0
    oom_kills: int = -1
    start_error: str = ""
    duration_ns: int = 0
    # Which of the run's writable filesystems (/work, /tmp) were full at some
    # point while the command ran.
    full_filesystems: list[str] = field(default_factory=list)


def agent_binary() -> Path:
    """The agent built for this checkout's source, building it when needed.

    The binary is static (CGO off), so it runs in any Linux image, including
    images Stella Script did not build.
    """
    source_dir = repository_runtimes_dir() / "agent"
    digest = hashlib.sha256()
    for path in sorted([source_dir / "go.mod", *source_dir.glob("*.go")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    target = data_dir() / "agent" / f"stellascript-agent-{digest.hexdigest()[:12]}"
    if target.exists():
        return target
    go = shutil.which("go")
    if go is None:
        raise AgentError("building the stellascript agent needs Go on the host (run `make setup`)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-trimpath"}
    finished = subprocess.run(
        [go, "build", "-ldflags=-s -w", "-o", str(partial), "."],
        cwd=source_dir, env=env, capture_output=True, text=True,
    )
    if finished.returncode != 0:
        raise AgentError(f"building the stellascript agent failed:\n{finished.stderr}")
    partial.chmod(0o755)
    os.replace(partial, target)  # atomic: concurrent builders agree on one file
    return target


class AgentClient:
    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(self.socket_path))
        except OSError as error:
            sock.close()
            raise AgentError(f"cannot reach the agent at {self.socket_path}: {error}") from error
        return sock

    def ping(self, timeout_s: float = 5.0) -> bool:
        try:
            sock = self._connect()
        except AgentError:
            return False
        with sock:
            sock.settimeout(timeout_s)
            sock.sendall(b'{"ping": true}\n')
            try:
                kind, payload = _read_frame(sock)
            except (OSError, AgentError):
                return False
            return kind == FRAME_REPORT and json.loads(payload).get("ready", False)

    def run(
        self,
        argv: list[str],
        env: dict[str, str],
        cwd: str,
        on_output: OutputCallback,
        deadline: float,
        cancelled: threading.Event,
        mkdirs: tuple[str, ...] = (),
    ) -> AgentReport:
        """Run a command to completion, streaming its output to ``on_output``
        (after making the ``mkdirs`` folders).

        Raises AgentTimeout at ``deadline`` (a ``time.monotonic()`` value) and
        AgentCancelled when ``cancelled`` is set; the caller then kills the
        container, which kills everything the command started.
        """
        return self._exchange({"argv": argv, "env": env, "cwd": cwd, "mkdirs": list(mkdirs)}, on_output, deadline, cancelled)

    def fetch_tree(self, path: str, target: Path, deadline: float, cancelled: threading.Event) -> None:
        """Copy the container's folder ``path`` into the existing host folder
        ``target`` (regular files and folders only; names that would leave
        ``target`` are refused by tarfile's data filter)."""
        self._fetch({"archive": path}, path, target, deadline, cancelled)

    def fetch_file(self, path: str, target: Path, deadline: float, cancelled: threading.Event,
                   max_bytes: int | None = None) -> None:
        """Copy the container's regular file ``path`` into the host folder
        ``target`` under its own name; nothing when there is no such file.
        An archive past ``max_bytes`` raises AgentArchiveTooLarge before more
        of it is written on the host."""
        self._fetch({"archive_file": path}, path, target, deadline, cancelled, max_bytes)

    def _fetch(self, request: dict, path: str, target: Path, deadline: float, cancelled: threading.Event,
               max_bytes: int | None = None) -> None:
        with tempfile.TemporaryFile() as archive:
            def keep(kind: int, payload: bytes) -> None:
                if kind == FRAME_STDOUT:
                    archive.write(payload)
                    if max_bytes is not None and archive.tell() > max_bytes:
                        raise AgentArchiveTooLarge(f"{path} is larger than {max_bytes} bytes")
            report = self._exchange(request, keep, deadline, cancelled)
            if report.start_error:
                raise AgentError(f"the agent could not send {path}: {report.start_error}")
            archive.seek(0)
            try:
                with tarfile.open(fileobj=archive, mode="r:") as tar:
                    tar.extractall(target, filter="data")
            except (tarfile.TarError, OSError) as error:
                raise AgentError(f"{path} from the agent could not be unpacked: {error}") from error

    def _exchange(self, request: dict, on_output: OutputCallback, deadline: float, cancelled: threading.Event) -> AgentReport:
        sock = self._connect()
        with sock:
            sock.sendall(json.dumps(request).encode() + b"\n")
            buffer = bytearray()
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AgentTimeout()
                if cancelled.is_set():
                    raise AgentCancelled()
                ready, _, _ = select.select([sock], [], [], min(remaining, 0.05))
                if not ready:
                    continue
                chunk = sock.recv(256 * 1024)
                if not chunk:
                    raise AgentError("the agent closed the connection before reporting (the container may have died)")
                buffer += chunk
                while len(buffer) >= _HEADER.size:
                    kind, length = _HEADER.unpack_from(buffer)
                    if len(buffer) < _HEADER.size + length:
                        break
                    payload = bytes(buffer[_HEADER.size:_HEADER.size + length])
                    del buffer[:_HEADER.size + length]
                    if kind == FRAME_REPORT:
                        return AgentReport(**{k: v for k, v in json.loads(payload).items() if k in AgentReport.__dataclass_fields__})
                    on_output(kind, payload)


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    header = _recv_exactly(sock, _HEADER.size)
    kind, length = _HEADER.unpack(header)
    return kind, _recv_exactly(sock, length)


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise AgentError("the agent closed the connection mid-frame")
        data += chunk
    return bytes(data)
