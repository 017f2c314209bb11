"""How the magics tell the user what went wrong: one line, never a traceback."""

from __future__ import annotations

import sys


class MagicError(Exception):
    """Something to tell the user in one line; never a traceback."""


class HelpShown(Exception):
    """-h was asked for and printed."""



def complain(message: str) -> None:
    print(f"stellascript: {' '.join(message.split())}", file=sys.stderr, flush=True)


