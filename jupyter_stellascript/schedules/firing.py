"""Firing schedules: every server looks for due occurrences, and the database decides who fires each.

A server handles a schedule's due occurrences only after moving its
``next_fire_epoch`` from the value it read to the next occurrence after now,
in one UPDATE ... WHERE next_fire_epoch = :read (a compare-and-set): of
several servers sharing a database exactly one succeeds, the others see a
row count of 0 and leave it. Each occurrence handled is then a row of
``schedule_fires``, unique per (schedule, time), so not even a bug can fire
one twice. SQLite serializes writers, so the same holds for one server.

After downtime the due occurrences older than ``grace_s`` are missed ones:
``catch_up: once`` runs the latest of them, ``none`` drops them (counted as
``missed`` in stella_schedule_fires_total).
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from .. import metrics
from ..db import Execution, utcnow
from ..errors import ValidationFailed
from ..triggered_runs import ACCESS_LOST, ACTIVE, RUN_KIND, TriggeredRuns, owner_caller
from ..workflows.tables import WorkflowRun
from .cron import CronSchedule
from .tables import Schedule, ScheduleFire

log = logging.getLogger(__name__)
MAX_DUE = 100_000  # occurrences walked after a long downtime before jumping to now


class ScheduleFiring:
    def __init__(self, sessions: sessionmaker, triggered: TriggeredRuns, instance: str,
                 grace_s: float = 5.0, tick_s: float = 0.2) -> None:
        self.sessions = sessions
        self.triggered = triggered
        self.instance = instance
        self.grace_s = grace_s
        self.tick_s = tick_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="stellascript-schedules")
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                self.tick()
            except Exception:  # the database away for a moment: try again next tick
                log.exception("schedule tick failed")

    # -- one tick ------------------------------------------------------------------------

    def tick(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self.sessions() as session:
            due = session.scalars(select(Schedule).where(Schedule.enabled.is_(True), Schedule.next_fire_epoch <= now)).all()
        for schedule in due:
            self._handle_due(schedule, now)
        self._start_queued()

    def _handle_due(self, schedule: Schedule, now: float) -> None:
        cron = CronSchedule(schedule.cron, schedule.timezone)
        occurrences, cursor = [], schedule.next_fire_epoch
        while cursor <= now and len(occurrences) < MAX_DUE:
            occurrences.append(cursor)
            cursor = cron.next_epoch(cursor)
        if cursor <= now:
            cursor = cron.next_epoch(now)
        on_time = [moment for moment in occurrences if now - moment <= self.grace_s]
        missed = [moment for moment in occurrences if now - moment > self.grace_s]
        claimed = [(moment, False) for moment in on_time]
        if missed and schedule.catch_up == "once":
            claimed.insert(0, (missed[-1], True))
        try:
            with self.sessions() as session, session.begin():
                moved = session.execute(update(Schedule).where(
                    Schedule.id == schedule.id, Schedule.enabled.is_(True),
                    Schedule.next_fire_epoch == schedule.next_fire_epoch).values(next_fire_epoch=cursor)).rowcount
                if moved != 1:
                    return  # another server took these occurrences
                fires = [ScheduleFire(schedule_id=schedule.id, fire_ms=moment * 1000, outcome="starting", catch_up=catch_up,
                                      server_instance=self.instance, created_at=utcnow()) for moment, catch_up in claimed]
                session.add_all(fires)
        except IntegrityError:
            log.warning("schedule %s: an occurrence was already claimed", schedule.id)
            return
        dropped = len(missed) - (1 if missed and schedule.catch_up == "once" else 0)
        if dropped:
            metrics.SCHEDULE_FIRES.labels("missed").inc(dropped)
        for fire in fires:
            self.fire(schedule, fire.id)

    def fire(self, schedule: Schedule, fire_id: int, respect_overlap: bool = True) -> None:
        """Start the run of a claimed occurrence (outcome "starting"), as the overlap policy says."""
        if respect_overlap and schedule.overlap != "allow" and self.active(schedule.id, other_than=fire_id):
            outcome = "skipped" if schedule.overlap == "skip" else "queued"
            self._record(fire_id, outcome, message="the previous run had not ended")
            return
        self._start(schedule, fire_id)

    def _start(self, schedule: Schedule, fire_id: int) -> None:
        owner = owner_caller(self.sessions, schedule.owner, schedule.owner_teams, schedule.owner_admin)
        run_kind = RUN_KIND[schedule.target_kind]
        try:
            run_id = self.triggered.start(owner, schedule.target_kind, schedule.target_id, schedule.version,
                                          schedule.values or {}, schedule.secrets or {}, "schedule", schedule.id,
                                          options=schedule.run_options or {})
        except ACCESS_LOST as error:
            reason = f"{schedule.owner} can no longer run this {schedule.target_kind}: {error}"
            with self.sessions() as session, session.begin():
                session.execute(update(Schedule).where(Schedule.id == schedule.id)
                                .values(enabled=False, paused_reason=reason, next_fire_epoch=None, updated_at=utcnow()))
            log.warning("schedule %s paused: %s", schedule.id, reason)
            self._record(fire_id, "paused", message=reason)
            return
        except ValidationFailed as error:
            details = "; ".join(f"{p.get('field')}: {p.get('message')}" for p in error.errors) or str(error)
            self._record(fire_id, "error", message=f"{error}: {details}" if error.errors else details)
            return
        except Exception as error:  # never let one schedule stop the others
            log.exception("schedule %s could not start its run", schedule.id)
            self._record(fire_id, "error", message=f"could not start: {error}")
            return
        self._record(fire_id, "started", run_kind=run_kind, run_id=run_id)

    def _record(self, fire_id: int, outcome: str, **values) -> None:
        metrics.SCHEDULE_FIRES.labels(outcome).inc()
        with self.sessions() as session, session.begin():
            session.execute(update(ScheduleFire).where(ScheduleFire.id == fire_id).values(outcome=outcome, **values))

    # -- overlap ---------------------------------------------------------------------------

    def active(self, schedule_id: str, other_than: int | None = None) -> bool:
        """A run of the schedule is queued or running, or an occurrence is being started."""
        starting = select(ScheduleFire.id).where(ScheduleFire.schedule_id == schedule_id, ScheduleFire.outcome == "starting")
        if other_than is not None:
            starting = starting.where(ScheduleFire.id != other_than)
        with self.sessions() as session:
            return bool(session.scalar(select(
                exists(starting)
                | exists(select(Execution.id).where(Execution.trigger_id == schedule_id, Execution.status.in_(ACTIVE)))
                | exists(select(WorkflowRun.id).where(WorkflowRun.trigger_id == schedule_id, WorkflowRun.status.in_(ACTIVE))))))

    def _start_queued(self) -> None:
        """overlap: queue — the oldest waiting occurrence starts once nothing of its schedule runs."""
        with self.sessions() as session:
            waiting = session.execute(select(ScheduleFire.schedule_id, ScheduleFire.id).where(ScheduleFire.outcome == "queued")
                                      .order_by(ScheduleFire.id)).all()
        oldest: dict[str, int] = {}
        for schedule_id, fire_id in waiting:
            oldest.setdefault(schedule_id, fire_id)
        for schedule_id, fire_id in oldest.items():
            if self.active(schedule_id):
                continue
            with self.sessions() as session, session.begin():
                if session.execute(update(ScheduleFire).where(ScheduleFire.id == fire_id, ScheduleFire.outcome == "queued")
                                   .values(outcome="starting", server_instance=self.instance)).rowcount != 1:
                    continue
            if self.active(schedule_id, other_than=fire_id):
                # Another server started one of this schedule's occurrences at the same moment: wait again.
                with self.sessions() as session, session.begin():
                    session.execute(update(ScheduleFire).where(ScheduleFire.id == fire_id).values(outcome="queued"))
                continue
            with self.sessions() as session:
                schedule = session.get(Schedule, schedule_id)
            if schedule is None:
                self._record(fire_id, "error", message="the schedule was deleted")
                continue
            self._start(schedule, fire_id)

    def recover(self, live_instances: list[str]) -> int:
        """Occurrences a server that is gone was starting: closed, so they block no later run."""
        with self.sessions() as session, session.begin():
            return session.execute(update(ScheduleFire).where(
                ScheduleFire.outcome == "starting", ScheduleFire.server_instance.not_in(list(live_instances)))
                .values(outcome="error", message="the server stopped while starting this run")).rowcount or 0
