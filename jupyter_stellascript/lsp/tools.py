"""Where the editor's language servers and formatters are installed on the host.

``make setup`` installs them into one folder (``lsp-servers/`` in a checkout):
npm tools in its ``node_modules``, gopls in its ``bin``. Jupyter-lsp is told
about that ``node_modules`` (see jupyter-config/) and our own server specs
point into ``bin``. ``STELLASCRIPT_LSP_TOOLS`` moves the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..paths import data_dir

TOOLS_ENV = "STELLASCRIPT_LSP_TOOLS"
FOLDER_NAME = "lsp-servers"


def tools_dir() -> Path:
    configured = os.environ.get(TOOLS_ENV)
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parent.parent.parent / FOLDER_NAME
    if (checkout / "package.json").is_file():
        return checkout
    return data_dir() / FOLDER_NAME


def node_modules_dir() -> Path:
    return tools_dir() / "node_modules"


def node_types_dir() -> Path:
    """``@types`` of the editor tools (Node's types for TypeScript scripts)."""
    return node_modules_dir() / "@types"


def bin_dir() -> Path:
    """Native tools installed by ``go install`` (gopls, shfmt when not Debian's)."""
    return tools_dir() / "bin"
