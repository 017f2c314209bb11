"""The order of a run's output, and the platform's own messages.

A record stores stdout and stderr as two texts; on their own they lose the
order the script wrote them in. :class:`OutputLog` keeps that order as runs
of ``[stream, characters]`` (consecutive pieces of one stream merged), as the
pieces reached the server (the agent reads both pipes in one loop, in the
order they became readable: runtimes/agent/pipes.go); :func:`interleave`
puts the two texts back in that order.

Platform messages (dependency resolution, image builds, waits for a
container or a shared build) are not the script's output: they travel as
their own stream, ``platform``, and are stored apart from stderr.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCRIPT_STREAMS = ("stdout", "stderr")
PLATFORM = "platform"
# Platform messages are a few lines per step; a build's chatter beyond this is cut.
PLATFORM_CAP_CHARS = 64 * 1024


@dataclass
class OutputLog:
    order: list[list] = field(default_factory=list)
    platform: list[str] = field(default_factory=list)
    platform_chars: int = 0
    platform_truncated: bool = False

    def add(self, stream: str, text: str) -> bool:
        """Note a piece of output; False when it is not kept (past the platform cap)."""
        if stream == PLATFORM:
            room = PLATFORM_CAP_CHARS - self.platform_chars
            if room <= 0:
                self.platform_truncated = True
                return False
            self.platform.append(text[:room])
            self.platform_chars += min(len(text), room)
            return True
        if self.order and self.order[-1][0] == stream:
            self.order[-1][1] += len(text)
        else:
            self.order.append([stream, len(text)])
        return True

    def stored(self) -> dict:
        """The columns of the execution record this fills."""
        return {"platform": "".join(self.platform), "output_order": [list(run) for run in self.order]}


def interleave(stdout: str, stderr: str, order: list | None) -> list[tuple[str, str]]:
    """The two texts as ``(stream, text)`` pieces in the order written.

    Without an order (a record from before it was kept) stdout comes first;
    whatever the order does not cover (an incomplete character decoded at
    the very end) follows it.
    """
    texts = {"stdout": stdout or "", "stderr": stderr or ""}
    taken = {"stdout": 0, "stderr": 0}
    pieces: list[tuple[str, str]] = []
    for stream, length in order or ():
        if stream not in texts:
            continue
        start = taken[stream]
        piece = texts[stream][start:start + length]
        taken[stream] = start + len(piece)
        if piece:
            pieces.append((stream, piece))
    for stream in SCRIPT_STREAMS:
        rest = texts[stream][taken[stream]:]
        if rest:
            pieces.append((stream, rest))
    return pieces
