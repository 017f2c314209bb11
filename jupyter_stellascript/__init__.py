"""Stella Script: a polyglot scripting platform inside Jupyter."""

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict]:
    from .app import StellaScriptApp

    return [{"module": "jupyter_stellascript.app", "app": StellaScriptApp}]
