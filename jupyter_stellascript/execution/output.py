"""Collecting a script's output with a cap per stream.

Past the cap the output is still read (a script must never block on a full
pipe) but dropped, and the stream is flagged as truncated. Live listeners
see exactly what is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from ..secrets.masking import Masker
from .agent import FRAME_STDERR, FRAME_STDOUT

LiveOutput = Callable[[str, bytes], None]
STREAM_NAMES = {FRAME_STDOUT: "stdout", FRAME_STDERR: "stderr"}


class CappedStream:
    def __init__(self, cap_bytes: int) -> None:
        self.cap_bytes = cap_bytes
        self._chunks: list[bytes] = []
        self.size = 0
        self.truncated = False

    def add(self, data: bytes) -> bytes:
        """Keep what fits; return the part kept."""
        room = self.cap_bytes - self.size
        if room <= 0:
            self.truncated = self.truncated or bool(data)
            return b""
        kept = data[:room]
        if len(kept) < len(data):
            self.truncated = True
        self._chunks.append(kept)
        self.size += len(kept)
        return kept

    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace")


class OutputCollector:
    """Both streams of a run; with a ``masker``, secret values are masked
    before anything is kept or streamed (call :meth:`flush` at the end: the
    masker holds back a stream's last bytes in case a value continues)."""

    def __init__(self, cap_bytes: int, live: LiveOutput | None = None, masker: Masker | None = None) -> None:
        self.stdout = CappedStream(cap_bytes)
        self.stderr = CappedStream(cap_bytes)
        self.live = live
        self._masks = {FRAME_STDOUT: masker.stream(), FRAME_STDERR: masker.stream()} if masker else {}

    def __call__(self, kind: int, data: bytes) -> None:
        kind = FRAME_STDOUT if kind == FRAME_STDOUT else FRAME_STDERR
        mask = self._masks.get(kind)
        self._keep(kind, mask.feed(data) if mask else data)

    def flush(self) -> None:
        """What the maskers held back, at the end of the run."""
        for kind, mask in self._masks.items():
            self._keep(kind, mask.flush())

    def _keep(self, kind: int, data: bytes) -> None:
        stream = self.stdout if kind == FRAME_STDOUT else self.stderr
        kept = stream.add(data)
        if kept and self.live is not None:
            self.live(STREAM_NAMES[kind], kept)

    def note(self, stream_name: str, message: str) -> None:
        """Add an engine message (e.g. a timeout notice) to a stream."""
        self(FRAME_STDERR if stream_name == "stderr" else FRAME_STDOUT, message.encode())

    def compile_output(self, kind: int, data: bytes) -> None:
        """Compiler output, whichever stream it used, is diagnostics: stderr."""
        self(FRAME_STDERR, data)
