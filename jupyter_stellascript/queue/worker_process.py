"""WorkerProcess: what ``stellascript worker`` holds (the CLI is a thin shell over it)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from traitlets.config import PyFileConfigLoader

from ..config import StellaScript
from ..db import _tune_sqlite
from ..execution.backend import LocalBackend
from ..secrets.crypto import open_cipher
from .embedded import lease_seconds
from .executor import Executor, ExecutorIdentity
from .manager import ExecutionQueue
from .workers import WorkerRegistry

log = logging.getLogger(__name__)


def open_without_migrating(url: str) -> sessionmaker:
    """Workers never change the schema: servers migrate it (a worker of another version only reads it)."""
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return sessionmaker(engine, expire_on_commit=False)


class WorkerProcess:
    def __init__(self, db_url: str, worker_id: str, tags: dict[str, str], concurrency: int, engine: str | None,
                 secret_key_file: Path | None, config_file: Path | None) -> None:
        config = StellaScript(config=PyFileConfigLoader(str(config_file)).load_config()) if config_file else StellaScript()
        if engine:
            config.docker_host = engine
        config.check()
        self.config = config
        self.sessions = open_without_migrating(db_url)
        key_file = secret_key_file or config.resolved_secret_key_file()[0]
        # Without the key a worker still runs everything that has no secrets.
        self.cipher = open_cipher(self.sessions, key_file, False) if key_file.exists() else None
        if self.cipher is None:
            log.warning("no secret key at %s: runs that need secrets end Error on this worker", key_file)
        policy = config.run_policy()
        self.backend = LocalBackend(config, policy)
        queue = ExecutionQueue(self.sessions, lease_seconds())
        self.executor = Executor(self.sessions, queue, WorkerRegistry(self.sessions, lease_seconds()), self.backend,
                                 ExecutorIdentity(worker_id, "worker", tags, concurrency, engine or "auto"), self.cipher)

    def start(self) -> None:
        self.backend.start()  # connects the engine and warms its pools in the background
        self.executor.start()

    def close(self) -> None:
        self.executor.close()
        self.backend.close()
