"""Which servers sharing a database are alive.

Several servers may share one PostgreSQL database. Each registers itself and
beats a heartbeat; an execution left Queued or Running by a server that is
gone (its process is dead on this host, or its heartbeat stopped) is closed
by whichever server notices, and never one that a live peer is running.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from ..db import ServerInstance, as_utc, utcnow
from .host import pid_alive

log = logging.getLogger(__name__)

HEARTBEAT_S = 10.0
# A peer on another host is presumed dead after missing this many heartbeats.
STALE_AFTER = timedelta(seconds=6 * HEARTBEAT_S)


class ServerInstances:
    def __init__(self, sessions: sessionmaker, instance_id: str, on_beat: Callable[[], object] | None = None) -> None:
        self.sessions = sessions
        self.on_beat = on_beat
        self.instance_id = instance_id
        self.host = socket.gethostname()
        self._stop = threading.Event()
        with self.sessions() as session, session.begin():
            session.add(ServerInstance(id=instance_id, host=self.host, pid=os.getpid(), started_at=utcnow(), heartbeat_at=utcnow()))
        self._thread = threading.Thread(target=self._beat, name="stellascript-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                with self.sessions() as session, session.begin():
                    session.execute(update(ServerInstance).where(ServerInstance.id == self.instance_id).values(heartbeat_at=utcnow()))
                if self.on_beat is not None:
                    self.on_beat()
            except SQLAlchemyError as error:  # a database blip: beat again next time
                log.warning("heartbeat failed: %s", error)

    def is_alive(self, row: ServerInstance) -> bool:
        if row.host == self.host:
            return pid_alive(row.pid)
        return utcnow() - as_utc(row.heartbeat_at) < STALE_AFTER

    def live_ids(self) -> set[str]:
        """Instances that are alive; the dead ones' rows are removed."""
        with self.sessions() as session, session.begin():
            rows = list(session.scalars(select(ServerInstance)))
            dead = [row.id for row in rows if row.id != self.instance_id and not self.is_alive(row)]
            if dead:
                session.execute(delete(ServerInstance).where(ServerInstance.id.in_(dead)))
            return {row.id for row in rows if row.id not in dead} | {self.instance_id}

    def close(self) -> None:
        self._stop.set()
        with self.sessions() as session, session.begin():
            session.execute(delete(ServerInstance).where(ServerInstance.id == self.instance_id))
