"""Notebook magics: ``%load_ext jupyter_stellascript``, then

    %stellascript run NAME_OR_ID [--version V] [--arg k=v]... [--env K=V]... [--secret ENV=NAME]... [--timeout 30s] [--network none|bridge|host]
    %stellascript run NAME --args-from VAR [--parse json|jsonl|csv]
    %%stellascript run --language L [--arg k=v]...        (the cell is an ad-hoc script)
    %stellascript params NAME_OR_ID [--version V]           (the parameters as a DataFrame)
    %%stellascript save NAME --language L [--visibility V] [--tag T]...
    %stellascript connect [URL --token T]

A run returns a pandas DataFrame (one row per run, or the script's stdout
parsed with ``--parse``). Everything goes through :class:`StellaScriptClient`;
nothing runs in the kernel. Whatever goes wrong is one line on stderr
("stellascript: ..."), and the magic returns None.

Where the server is: ``%stellascript connect URL``, else ``STELLASCRIPT_URL``
(with ``STELLASCRIPT_TOKEN``) in the kernel's environment, else the Jupyter
server this kernel belongs to (found with jupyter_server's
``list_running_servers()``: the one that started the kernel, else the one
whose root directory holds the kernel's working directory, else the only
one), if it has the Stella Script extension.
"""

from __future__ import annotations

import importlib.util

from .command import Command, argument_sets, parse_command
from .connection import rank_servers
from .errors import MagicError
from .frames import RESULT_COLUMNS, failure_note, parse_output, parsed_frame, register_readable_frames, runs_frame
from .scripts import describe_client_error
from .session import StellaScriptSession


def load_ipython_extension(ipython) -> None:
    from IPython.core.magic import Magics, line_cell_magic, magics_class

    @magics_class
    class StellaScriptMagics(Magics):
        def __init__(self, shell) -> None:
            super().__init__(shell)
            self.session = StellaScriptSession(shell.user_ns)

        @line_cell_magic
        def stellascript(self, line: str, cell: str | None = None):
            """Stella Script: %stellascript run NAME, %stellascript params NAME, %%stellascript run --language L,
            %%stellascript save NAME --language L, %stellascript connect [URL --token T].
            %stellascript -h (or run -h, save -h, connect -h) for the options."""
            return self.session(line, cell)

    ipython.register_magics(StellaScriptMagics)
    if importlib.util.find_spec("pandas") is not None:  # without pandas the magics say so when they run
        register_readable_frames(ipython)


__all__ = ["Command", "MagicError", "RESULT_COLUMNS", "StellaScriptSession", "argument_sets", "load_ipython_extension",
           "describe_client_error", "failure_note", "parse_command", "parse_output", "parsed_frame", "rank_servers", "runs_frame"]
