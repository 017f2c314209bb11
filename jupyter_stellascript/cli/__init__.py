"""The ``stellascript`` command: a thin shell over the library, one module per group."""

from __future__ import annotations

import logging

import click

from .gc import gc
from .remote import executions, scripts
from .run import run
from .secrets import secret, secrets
from .runtimes import runtimes
from .schedule import schedule
from .webhook import webhook
from .server import serve, token
from .workflow import workflow
from .worker import worker


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what the engine does.")
def main(verbose: bool) -> None:
    """Stella Script: run scripts in six languages in hardened containers."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


for command in (run, runtimes, serve, token, scripts, executions, gc, secret, secrets, workflow, schedule, webhook, worker):
    main.add_command(command)

__all__ = ["main"]
