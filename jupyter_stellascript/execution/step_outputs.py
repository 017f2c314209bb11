"""Step outputs: the JSON object a script writes to $STELLASCRIPT_OUTPUT.

Every run gets the variable, naming a file in its private /work (a tmpfs
that dies with the container). After the script exits, the agent sends that
file over (a regular file only), capped, and the object becomes the execution's
``outputs``. A script that writes nothing has no outputs (None); one that
writes too much, or something other than a JSON object, fails with
TerminationReason.INVALID_OUTPUTS and a message saying which.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from .agent import AgentArchiveTooLarge, AgentClient, AgentError

OUTPUTS_NAME = ".stellascript-outputs.json"
OUTPUTS_FILE = f"/work/{OUTPUTS_NAME}"
OUTPUTS_ENV = "STELLASCRIPT_OUTPUT"
# Room for the tar headers around the one file (512-byte blocks, the end marker).
_TAR_OVERHEAD = 64 * 1024
_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean", type(None): "null"}


class InvalidOutputs(ValueError):
    """What the script wrote to $STELLASCRIPT_OUTPUT cannot be its outputs."""


def read_outputs(agent: AgentClient, host_folder: Path, cap_bytes: int, deadline: float,
                 cancelled: threading.Event) -> dict | None:
    """The run's outputs object, None when it wrote none; InvalidOutputs when it is unusable."""
    try:
        agent.fetch_file(OUTPUTS_FILE, host_folder, deadline, cancelled, max_bytes=cap_bytes + _TAR_OVERHEAD)
    except AgentArchiveTooLarge:
        raise InvalidOutputs(_too_large(cap_bytes)) from None
    except AgentError as error:  # the script put a link, a folder or a device there
        raise InvalidOutputs(f"${OUTPUTS_ENV} ({OUTPUTS_FILE}) could not be read: {error}") from None
    path = host_folder / OUTPUTS_NAME
    if not path.is_file():
        return None
    if path.stat().st_size > cap_bytes:
        raise InvalidOutputs(_too_large(cap_bytes))
    return parse_outputs(path.read_bytes())


def parse_outputs(data: bytes) -> dict:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidOutputs(f"${OUTPUTS_ENV} does not hold valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise InvalidOutputs(f"${OUTPUTS_ENV} must hold a JSON object, not {_JSON_KINDS.get(type(value), 'that')}")
    return value


def _too_large(cap_bytes: int) -> str:
    return f"${OUTPUTS_ENV} holds more than the {cap_bytes} bytes outputs may have (c.StellaScript.max_outputs_bytes)"
