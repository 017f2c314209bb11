"""``stellascript worker``: an executor on any host with a container engine.

It claims queued executions from the shared database whose tags it has, runs
them in its own engine (Podman started on demand, as for a server), with its
own compile cache, derived images and warm pools under its data directory,
and writes results and live output back. It never migrates the database: a
worker that does not know the database's schema claims nothing and says so.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from pathlib import Path

import click

from .common import use_data_dir

log = logging.getLogger("jupyter_stellascript.worker")


@click.command()
@click.option("--db", "db_url", required=True, help="SQLAlchemy URL of the servers' database (the worker's own credentials).")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="A tag this worker has (repeatable): it takes "
              "executions whose tags are all among its own, and untagged ones.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=4, show_default=True, help="Executions at once.")
@click.option("--engine", "engine", help="Docker Engine API URL (default: DOCKER_HOST, the Docker socket, or Podman started on demand).")
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path),
              help="The worker's data directory: compile cache, derived images' records (default: $STELLASCRIPT_DATA).")
@click.option("--secret-key-file", type=click.Path(dir_okay=False, path_type=Path),
              help="The servers' secret key file, to deliver runs their secrets (default: secret.key in the data directory).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A jupyter_server_config.py with c.StellaScript settings (pools, limits, images).")
@click.option("--id", "worker_id", help="This worker's id (default: host-pid-random).")
def worker(db_url: str, tags: tuple[str, ...], concurrency: int, engine: str | None, data: Path | None,
           secret_key_file: Path | None, config_file: Path | None, worker_id: str | None) -> None:
    """Claim and run queued executions from a shared database."""
    from ..queue.models import parse_tags
    from ..queue.worker_process import WorkerProcess

    try:
        parsed = parse_tags(tags)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--tag") from None
    use_data_dir(data)
    logging.getLogger("jupyter_stellascript").setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    identity = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    process = WorkerProcess(db_url, identity, parsed, concurrency, engine, secret_key_file, config_file)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    process.start()
    click.echo(f"worker {identity} claiming with tags {parsed or '{}'}, concurrency {concurrency}", err=True)
    stop.wait()
    process.close()
