"""Stella Script: a polyglot scripting platform inside Jupyter."""

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict]:
    from .app import StellaScriptApp

    return [{"module": "jupyter_stellascript.app", "app": StellaScriptApp}]


def load_ipython_extension(ipython) -> None:
    """``%load_ext jupyter_stellascript``: the %stellascript and %%stellascript magics."""
    from .magics import load_ipython_extension as load

    load(ipython)
