"""Which executors are alive, what they may take, and the schema they know.

Every executor (the server's embedded one, each ``stellascript worker``)
has a row it beats. One is gone when its heartbeat is stale, or, on this
host, as soon as its process is: claims of a killed worker are noticed in
seconds, not after a lease runs out.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import sessionmaker

from .. import __version__
from ..db import MIGRATIONS, as_utc, utcnow
from ..execution.host import pid_alive
from .models import WorkerRecord
from .tables import QueueWorker

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def known_schema() -> str:
    """The newest migration this code knows."""
    config = Config()
    config.set_main_option("script_location", str(Path(MIGRATIONS)))
    return ScriptDirectory.from_config(config).get_current_head() or ""


def database_schema(sessions: sessionmaker) -> str:
    with sessions() as session:
        return session.scalar(text("SELECT version_num FROM alembic_version")) or ""


class WorkerRegistry:
    def __init__(self, sessions: sessionmaker, stale_after_s: float) -> None:
        self.sessions = sessions
        self.stale_after = timedelta(seconds=stale_after_s)
        self.host = socket.gethostname()

    def register(self, worker_id: str, kind: str, tags: dict[str, str], engine: str, concurrency: int,
                 claiming: bool) -> None:
        with self.sessions() as session, session.begin():
            session.merge(QueueWorker(
                id=worker_id, kind=kind, host=self.host, pid=os.getpid(), tags=dict(tags), version=__version__,
                schema_version=known_schema(), claiming=claiming, engine=engine, concurrency=concurrency, running=0,
                metrics={}, started_at=utcnow(), heartbeat_at=utcnow()))

    def beat(self, worker_id: str, running: int, metrics: dict, claiming: bool) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(QueueWorker).where(QueueWorker.id == worker_id).values(
                heartbeat_at=utcnow(), running=running, metrics=dict(metrics), claiming=claiming))

    def unregister(self, worker_id: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(delete(QueueWorker).where(QueueWorker.id == worker_id))

    def is_alive(self, row: QueueWorker) -> bool:
        if row.host == self.host and not pid_alive(row.pid):
            return False
        return utcnow() - as_utc(row.heartbeat_at) < self.stale_after

    def live(self) -> list[QueueWorker]:
        """Executors alive now; the rows of those that are gone are removed."""
        with self.sessions() as session, session.begin():
            rows = list(session.scalars(select(QueueWorker)))
            dead = [row.id for row in rows if not self.is_alive(row)]
            if dead:
                session.execute(delete(QueueWorker).where(QueueWorker.id.in_(dead)))
            return [row for row in rows if row.id not in dead]

    def listing(self) -> list[dict]:
        """GET /workers: every live executor, the embedded ones included."""
        return [WorkerRecord(
            id=row.id, kind=row.kind, host=row.host, pid=row.pid, tags=row.tags or {},
            version=row.version, schema_version=row.schema_version, claiming=row.claiming,
            engine=row.engine, concurrency=row.concurrency, running=row.running,
            metrics=row.metrics or {}, started_at=as_utc(row.started_at).isoformat(),
            last_heartbeat=as_utc(row.heartbeat_at).isoformat(),
        ).model_dump(mode="json") for row in sorted(self.live(), key=lambda row: (row.kind, row.host, row.id))]
