"""Stella Script: a polyglot scripting platform inside Jupyter."""

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict]:
    from .app import StellaScriptApp

    return [{"module": "jupyter_stellascript.app", "app": StellaScriptApp}]


def _jupyter_labextension_paths() -> list[dict]:
    """The prebuilt JupyterLab extension (built from labextension/ by ``npm run build``)."""
    return [{"src": "labextension", "dest": "jupyter-stellascript"}]


def load_ipython_extension(ipython) -> None:
    """``%load_ext jupyter_stellascript``: the %stellascript and %%stellascript magics."""
    from .magics import load_ipython_extension as load

    load(ipython)
