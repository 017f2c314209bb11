"""Notifications of executions this server did not run.

A run that a remote ``stellascript worker`` executes starts and ends in
another process: no watcher here sees it. Every server looks, once a
second, for executions whose start or end no server has taken yet
(their bit in ``executions.notified`` not set) and hands
them to the Notifier, whose compare-and-set makes each event go out once
however many servers look. Runs executed here are taken by the watchers
first; the sweep finds nothing left of them.

It also finishes deliveries a stopped server left pending: a pending
delivery whose lease (renewed at every attempt) has run out is taken by
one server (a compare-and-set on the lease) and sent from where it was.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from ..db import Execution, utcnow
from ..execution.models import ExecutionStatus
from .tables import NotificationDelivery

log = logging.getLogger(__name__)

TERMINAL = [status.value for status in ExecutionStatus if status.is_terminal]
# Runs older than this are left alone: a server down for longer does not
# send a day of stale notifications when it is back.
HORIZON = timedelta(minutes=10)
BATCH = 200


class NotificationSweep:
    def __init__(self, sessions: sessionmaker, notifier, interval_s: float = 1.0) -> None:
        self.sessions = sessions
        self.notifier = notifier
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="stellascript-notify-sweep", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.sweep()
                self.resume_abandoned()
            except SQLAlchemyError as error:  # the database is away: look again next time
                log.warning("the notification sweep could not reach the database: %s", error)

    def sweep(self) -> int:
        """Hand every untaken start and end to the notifier; how many events."""
        since = utcnow() - HORIZON
        start_untaken = Execution.notified.op("&")(1) == 0
        end_untaken = Execution.notified.op("&")(2) == 0
        with self.sessions() as session:
            rows = session.execute(
                select(Execution.id, Execution.status, Execution.started_at, Execution.notified)
                .where(Execution.notified < 3, Execution.trigger != "notification")
                .where(or_(and_(Execution.status.in_(TERMINAL), end_untaken, Execution.completed_at >= since),
                           and_(Execution.started_at.is_not(None), start_untaken, Execution.started_at >= since)))
                .limit(BATCH)).all()
        events = 0
        for execution_id, status, started_at, notified in rows:
            # Start before end, as the watchers of the server running it would.
            if started_at is not None and not notified & 1:
                self.notifier.watch_execution("start", execution_id)
                events += 1
            if status in TERMINAL and not notified & 2:
                self.notifier.watch_execution("end", execution_id)
                events += 1
        return events

    def resume_abandoned(self) -> int:
        """Take over pending deliveries whose server stopped (their lease ran out); how many."""
        now = utcnow()
        abandoned = and_(NotificationDelivery.status == "pending", NotificationDelivery.rule.is_not(None),
                         NotificationDelivery.lease_until < now)
        with self.sessions() as session:
            candidates = session.scalars(select(NotificationDelivery.id).where(
                abandoned, NotificationDelivery.created_at >= now - HORIZON).limit(BATCH)).all()
        taken = 0
        for delivery_id in candidates:
            with self.sessions() as session, session.begin():
                moved = session.execute(update(NotificationDelivery).where(NotificationDelivery.id == delivery_id, abandoned)
                                        .values(lease_until=now + self.notifier.lease))
                if moved.rowcount != 1:
                    continue  # another server took it first
                delivery = session.get(NotificationDelivery, delivery_id)
                session.expunge(delivery)
            self.notifier.resume(delivery)
            taken += 1
        return taken
