"""Where Stella Script keeps its files on the host.

Every command that touches data honours ``STELLASCRIPT_DATA``; without it the
data lives in Jupyter's data directory, next to other extensions' data.
"""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

DATA_ENV = "STELLASCRIPT_DATA"
TEMP_ENV = "STELLASCRIPT_TEMP"
# Per-container folders (a run's /scripts and its agent binary), for every
# command including `stellascript serve` (c.StellaScript.temp_path defaults to it).
DEFAULT_TEMP_PATH = "/tmp/stella-scripts"


def data_dir() -> Path:
    configured = os.environ.get(DATA_ENV)
    path = Path(configured) if configured else Path(jupyter_data_dir()) / "stellascript"
    path.mkdir(parents=True, exist_ok=True)
    return path


def temp_dir() -> Path:
    path = Path(os.environ.get(TEMP_ENV) or DEFAULT_TEMP_PATH)
    path.mkdir(parents=True, exist_ok=True)
    return path


def repository_runtimes_dir() -> Path:
    """The runtime image definitions (``runtimes/``), in a wheel or a checkout."""
    packaged = Path(__file__).parent / "_runtimes"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "runtimes"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("runtime image definitions (runtimes/) are missing from this installation")
