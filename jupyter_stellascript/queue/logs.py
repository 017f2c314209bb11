"""Live output through the database, from wherever a run is to whoever follows it.

The executor running an execution writes its output as numbered chunks
(``execution_log_chunks``), a batch every few milliseconds, and always before
it stores the result. A server following a run it does not run itself polls
the chunks of all the runs it follows in one query per tick (50 ms), so a
chunk reaches a subscriber within about that much after it was written, and
the stream ends once the record is terminal and every chunk has gone out.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from ..db import Execution, utcnow
from ..execution.models import ExecutionStatus
from .tables import LogChunk

log = logging.getLogger(__name__)

Listener = Callable[[str, str], None]
FLUSH_S = 0.02
POLL_S = 0.05
TERMINAL = [status.value for status in ExecutionStatus if status.is_terminal]


class ChunkWriter:
    """Buffers chunks and writes them in batches (one transaction per flush)."""

    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions
        self._pending: list[dict] = []
        self._seq: dict[str, int] = {}
        self._lock = threading.Lock()  # guards _pending and _seq
        self._write_lock = threading.Lock()  # one flush at a time: chunks go out in order
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="stellascript-chunks", daemon=True)
        self._thread.start()

    def begin(self, execution_id: str) -> None:
        """Number this run's chunks after any it already has (a platform message, an earlier attempt)."""
        with self.sessions() as session:
            last = session.scalar(select(LogChunk.seq).where(LogChunk.execution_id == execution_id)
                                  .order_by(LogChunk.seq.desc()).limit(1))
        with self._lock:
            self._seq[execution_id] = last if last is not None else -1

    def add(self, execution_id: str, stream: str, text: str) -> None:
        with self._lock:
            seq = self._seq.get(execution_id, -1) + 1
            self._seq[execution_id] = seq
            self._pending.append({"execution_id": execution_id, "seq": seq, "stream": stream, "text": text,
                                  "created_at": utcnow()})

    def end(self, execution_id: str) -> None:
        """Everything of this run is written when this returns."""
        self.flush()
        with self._lock:
            self._seq.pop(execution_id, None)

    def flush(self) -> None:
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                with self.sessions() as session, session.begin():
                    session.execute(insert(LogChunk), batch)
            except SQLAlchemyError as error:  # live output is best effort; the record keeps the whole output
                log.warning("could not write %d live output chunk(s): %s", len(batch), error)

    def _loop(self) -> None:
        while not self._stop.wait(FLUSH_S):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.flush()


def write_chunk(sessions: sessionmaker, execution_id: str, stream: str, text: str) -> None:
    """One chunk, now (a platform message at enqueue: nothing runs it yet)."""
    with sessions() as session, session.begin():
        session.add(LogChunk(execution_id=execution_id, seq=0, stream=stream, text=text, created_at=utcnow()))


class LogFollower:
    """Follows runs through their stored chunks: one poller thread for all of them."""

    def __init__(self, sessions: sessionmaker, poll_s: float = POLL_S) -> None:
        self.sessions = sessions
        self.poll_s = poll_s
        self._followed: dict[str, list[Listener]] = defaultdict(list)
        self._next_seq: dict[str, int] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="stellascript-follow", daemon=True)
        self._thread.start()

    def follow(self, execution_id: str, listener: Listener) -> None:
        with self._lock:
            self._followed[execution_id].append(listener)
            self._next_seq.setdefault(execution_id, 0)
        self._wake.set()

    def unfollow(self, execution_id: str, listener: Listener) -> None:
        with self._lock:
            listeners = self._followed.get(execution_id)
            if listeners and listener in listeners:
                listeners.remove(listener)
                if not listeners:
                    del self._followed[execution_id]
                    self._next_seq.pop(execution_id, None)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                wanted = dict(self._next_seq)
            if not wanted:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                self._poll(wanted)
            except SQLAlchemyError as error:  # a blip: poll again next tick
                log.warning("following live output failed: %s", error)
            self._stop.wait(self.poll_s)

    def _poll(self, wanted: dict[str, int]) -> None:
        with self.sessions() as session:
            # Status first: a run seen terminal here has written all its chunks already.
            statuses = dict(session.execute(select(Execution.id, Execution.status).where(Execution.id.in_(wanted))).all())
            # Ended, or gone altogether (deleted with its script): nothing more will come.
            ended = {execution_id for execution_id in wanted if statuses.get(execution_id, TERMINAL[0]) in TERMINAL}
            chunks = session.execute(select(LogChunk.execution_id, LogChunk.seq, LogChunk.stream, LogChunk.text).where(
                or_(*[and_(LogChunk.execution_id == execution_id, LogChunk.seq >= seq) for execution_id, seq in wanted.items()]))
                .order_by(LogChunk.execution_id, LogChunk.seq)).all()
        for execution_id, seq, stream, text in chunks:
            with self._lock:
                if self._next_seq.get(execution_id, seq + 1) > seq:
                    continue
                self._next_seq[execution_id] = seq + 1
                listeners = list(self._followed.get(execution_id, ()))
            for listener in listeners:
                listener(stream, text)
        for execution_id in ended:
            with self._lock:
                listeners = self._followed.pop(execution_id, [])
                self._next_seq.pop(execution_id, None)
            for listener in listeners:
                listener("end", "")

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)
