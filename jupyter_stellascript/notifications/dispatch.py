"""Telling someone how a run went: the rules that apply to a run, their events, and their deliveries.

Watchers of the execution manager and of workflow runs hand every start and
end to a thread pool here, so nothing a receiver does (hang, refuse, answer
slowly) reaches the run: it has ended, or goes on, before a delivery starts.
Which sources a run has: its script (not for a workflow's step: the
workflow's rules cover those) or its workflow, and the schedule that
started it. Handler runs (trigger ``notification``) notify nobody, so a
failing handler cannot start itself again.

An execution's start and end are each taken once, by whichever server first
sets its bit in ``notified`` (a compare-and-set): the watchers of the server
that ran it, or the sweep (sweep.py) of any server for runs that a remote
worker executed.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from .. import metrics
from ..db import Execution, Script, utcnow
from ..errors import RegistryError
from ..identity import Caller
from ..parameters import declarations_of
from ..triggered_runs import owner_caller, TriggeredRuns
from ..schedules.tables import Schedule
from ..secrets.manager import SecretManager
from ..secrets.masking import Masker
from ..workflows.tables import Workflow, WorkflowRun
from .delivery import HttpSender, backoff_wait, deliver
from .models import SECRET_IN_URL, NotificationRule
from .payloads import FORMATS, RunFacts, as_arguments, output_tail
from .tables import NotificationDelivery, NotificationSettings, NotificationState

log = logging.getLogger(__name__)
FAILED = {"Failed", "TimedOut", "Error"}
# executions.notified: a bit per event, set by the server that takes it.
EVENT_BIT = {"start": 1, "end": 2}


class Notifier:
    def __init__(self, sessions: sessionmaker, triggered: TriggeredRuns, secrets: SecretManager | None, sender: HttpSender,
                 retries: int = 3, backoff_s: float = 1.0, workers: int = 8, lease_s: float = 60.0) -> None:
        self.sessions = sessions
        self.triggered = triggered
        self.secrets = secrets
        self.sender = sender
        self.retries = retries
        self.backoff_s = backoff_s
        self.lease = timedelta(seconds=lease_s)  # how long a pending delivery is this server's without news
        self.base_url = ""  # the server's URL, for links (set by the extension once it is known)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stellascript-notify")

    def watch_execution(self, event: str, execution_id: str) -> None:
        self._pool.submit(self._safely, "execution", event, execution_id)

    def watch_workflow_run(self, event: str, run_id: str) -> None:
        self._pool.submit(self._safely, "workflow_run", event, run_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _safely(self, run_kind: str, event: str, run_id: str) -> None:
        try:
            self._handle(run_kind, event, run_id)
        except Exception:  # a notification must never fail anything else
            log.exception("notifications for %s %s (%s) failed", run_kind, run_id, event)

    # -- which rules, which events -----------------------------------------------------------

    def _take(self, execution_id: str, event: str) -> bool:
        """Whether this server takes the execution's ``event`` (no other server has, nor a later event)."""
        bit = EVENT_BIT[event]
        with self.sessions() as session, session.begin():
            moved = session.execute(update(Execution)
                                    .where(Execution.id == execution_id, Execution.notified.op("&")(bit) == 0)
                                    .values(notified=Execution.notified.op("|")(bit)))
            return moved.rowcount == 1

    def _handle(self, run_kind: str, event: str, run_id: str) -> None:
        if run_kind == "execution" and not self._take(run_id, event):
            return
        facts, sources = self._facts(run_kind, run_id)
        if facts is None or facts.trigger == "notification":
            return
        for source in sources:
            events = ["start"] if event == "start" else self._outcome_events(source, facts.status)
            for rule, owner in self._rules(source):
                for happened in events:
                    if happened in rule.on:
                        self._pool.submit(self._deliver_safely, rule, owner, happened, source, facts)

    def _facts(self, run_kind: str, run_id: str) -> tuple[RunFacts | None, list[dict]]:
        with self.sessions() as session:
            if run_kind == "execution":
                row = session.get(Execution, run_id)
                if row is None:
                    return None, []
                script = session.get(Script, row.script_id) if row.script_id else None
                name = script.name if script else "ad-hoc run"
                sources = [{"kind": "script", "id": row.script_id, "name": name}] if script and not row.workflow_run_id else []
                facts = RunFacts(run_kind, run_id, row.status, row.exit_code, name, row.requested_by, row.trigger or "api",
                                 output_tail(row.stdout, row.stderr), row.error)
            else:
                row = session.get(WorkflowRun, run_id)
                if row is None:
                    return None, []
                workflow = session.get(Workflow, row.workflow_id) if row.workflow_id else None
                name = workflow.name if workflow else "workflow run"
                sources = [{"kind": "workflow", "id": row.workflow_id, "name": name}] if workflow else []
                failed_steps = [f"{sid}: {state.get('status')} {state.get('error') or ''}".strip()
                                for sid, state in (row.steps or {}).items() if state.get("status") in ("Failed", "Cancelled")]
                facts = RunFacts(run_kind, run_id, row.status, None, name, row.requested_by, row.trigger or "api",
                                 output_tail("\n".join(failed_steps)), row.error)
            if row.trigger == "schedule" and row.trigger_id:
                schedule = session.get(Schedule, row.trigger_id)
                if schedule is not None:
                    sources.append({"kind": "schedule", "id": schedule.id, "name": schedule.name or name})
        return facts, sources

    def _outcome_events(self, source: dict, status: str) -> list[str]:
        """success (and recovery after failures), or failure; a cancelled run is neither."""
        if status == "Succeeded":
            return ["success", "recovery"] if self._remember(source, "success") else ["success"]
        if status in FAILED:
            self._remember(source, "failure")
            return ["failure"]
        return []

    def _remember(self, source: dict, outcome: str) -> bool:
        """Store the source's last outcome; True when this moved it from failure to success
        (a compare-and-set: one server, one run, sees that move)."""
        key = (NotificationState.source_kind == source["kind"], NotificationState.source_id == source["id"])
        for _ in range(3):
            with self.sessions() as session, session.begin():
                if outcome == "success":
                    if session.execute(update(NotificationState).where(*key, NotificationState.last_outcome == "failure")
                                       .values(last_outcome="success")).rowcount:
                        return True
                    if session.get(NotificationState, (source["kind"], source["id"])) is not None:
                        return False
                elif session.execute(update(NotificationState).where(*key).values(last_outcome=outcome)).rowcount:
                    return False
            try:
                with self.sessions() as session, session.begin():
                    session.add(NotificationState(source_kind=source["kind"], source_id=source["id"], last_outcome=outcome))
                return False
            except IntegrityError:
                continue  # another run's outcome came first: apply ours to it
        return False

    def _rules(self, source: dict) -> list[tuple[NotificationRule, Caller]]:
        with self.sessions() as session:
            if source["kind"] == "schedule":
                row = session.get(Schedule, source["id"])
                if row is None:
                    return []
                owner, teams, admin, rules = row.owner, row.owner_teams, row.owner_admin, row.notifications
            else:
                row = session.get(NotificationSettings, (source["kind"], source["id"]))
                if row is None:
                    return []
                owner, teams, admin, rules = row.owner, row.owner_teams, False, row.rules
        caller = owner_caller(self.sessions, owner, teams, admin)
        return [(NotificationRule.model_validate(rule), caller) for rule in rules or ()]

    # -- delivering -------------------------------------------------------------------------

    def _deliver_safely(self, rule: NotificationRule, owner: Caller, event: str, source: dict, facts: RunFacts) -> None:
        try:
            if rule.webhook is not None:
                self._post(rule, owner, event, source, facts)
            else:
                self._start_handler(rule, owner, event, source, facts)
        except Exception:
            log.exception("a notification of %s %s failed", facts.run_kind, facts.run_id)

    def link(self, facts: RunFacts) -> str:
        path = "scripts/executions" if facts.run_kind == "execution" else "workflows/runs"
        return f"{self.base_url.rstrip('/')}/stellascript/api/v1/{path}/{facts.run_id}"

    def _new_delivery(self, rule: NotificationRule, owner: Caller, event: str, source: dict, facts: RunFacts,
                      channel: str, target: str, fmt: str | None) -> int:
        with self.sessions() as session, session.begin():
            row = NotificationDelivery(owner=owner.name, source_kind=source["kind"], source_id=source["id"], event=event,
                                       run_kind=facts.run_kind, run_id=facts.run_id, channel=channel, target=target,
                                       format=fmt, status="pending", attempts=0, created_at=utcnow(),
                                       rule=rule.model_dump(mode="json"), lease_until=utcnow() + self.lease)
            session.add(row)
        return row.id

    def _update(self, delivery_id: int, **values) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(NotificationDelivery).where(NotificationDelivery.id == delivery_id).values(**values))

    def _finish(self, delivery_id: int, delivered: bool, **values) -> None:
        metrics.NOTIFICATION_DELIVERIES.labels("delivered" if delivered else "failed").inc()
        self._update(delivery_id, status="delivered" if delivered else "failed", completed_at=utcnow(), **values)

    def _post(self, rule: NotificationRule, owner: Caller, event: str, source: dict, facts: RunFacts,
              delivery_id: int | None = None, attempts_done: int = 0) -> None:
        """Send one webhook; a delivery another server began (``delivery_id``) goes on from its attempts."""
        references = SECRET_IN_URL.findall(rule.webhook)
        if delivery_id is None:
            masked_template = SECRET_IN_URL.sub("***", rule.webhook)
            delivery_id = self._new_delivery(rule, owner, event, source, facts, "webhook", masked_template, rule.format.value)
        try:
            url, masker = self._resolve_url(rule.webhook, references, owner)
        except RegistryError as error:
            self._finish(delivery_id, False, error=f"the URL's secrets: {error}")
            return
        body = FORMATS[rule.format.value](event, source, facts, self.link(facts))
        # Every attempt renews the lease past the wait and the next attempt: a slow receiver or a long
        # backoff does not make another server send it again.
        def renew(attempt: int, status: int | None, error: str | None) -> None:
            ahead = timedelta(seconds=backoff_wait(self.backoff_s, attempt) + self.sender.timeout_s)
            self._update(delivery_id, attempts=attempts_done + attempt, response_status=status, error=masker.text(error),
                         lease_until=utcnow() + self.lease + ahead)

        result = deliver(self.sender, url, body, max(self.retries - attempts_done, 0), self.backoff_s, on_attempt=renew)
        self._finish(delivery_id, result.delivered, attempts=attempts_done + result.attempts,
                     response_status=result.response_status, error=masker.text(result.error))

    def _resolve_url(self, url: str, references: list[str], owner: Caller) -> tuple[str, Masker]:
        if not references:
            return url, Masker(())
        if self.secrets is None:
            raise RegistryError("this server has no secret store")
        delivered = self.secrets.deliver(owner, {f"URL_SECRET_{index}": ref for index, ref in enumerate(references)})
        values = {secret.env: secret.value for secret in delivered}
        index = iter(range(len(references)))
        resolved = SECRET_IN_URL.sub(lambda _match: values[f"URL_SECRET_{next(index)}"], url)
        return resolved, Masker(values.values())

    def _start_handler(self, rule: NotificationRule, owner: Caller, event: str, source: dict, facts: RunFacts,
                       delivery_id: int | None = None) -> None:
        if delivery_id is None:
            delivery_id = self._new_delivery(rule, owner, event, source, facts, "run", f"{rule.run_kind} {rule.run}", None)
        else:  # taken over from a stopped server: it may have started the handler before it stopped
            started = self.triggered.run_of_trigger(rule.run_kind, "notification", str(delivery_id))
            if started is not None:
                self._finish(delivery_id, True, attempts=1, handler_run_id=started)
                return
        arguments = as_arguments(event, source, facts, self.link(facts))
        try:
            if rule.run_kind == "script":
                handler = self.triggered.registry.resolve(owner, rule.run)
                declared = {item.name for item in declarations_of(self.triggered.registry.get(owner, handler["id"]).get("parameters"))}
                target_id = handler["id"]
            else:
                saved = self.triggered.workflows.store.get(owner, rule.run)
                declared, target_id = set((saved["definition"].get("inputs") or {}).keys()), saved["id"]
            # A handler that declares parameters (or inputs) gets those of them it declares.
            values = {k: v for k, v in arguments.items() if k in declared} if declared or rule.run_kind == "workflow" else arguments
            # The delivery's id as the run's trigger_id: a server taking the delivery over finds the run.
            run_id = self.triggered.start(owner, rule.run_kind, target_id, None, values, {}, "notification", str(delivery_id))
        except RegistryError as error:
            details = "; ".join(f"{p.get('field')}: {p.get('message')}" for p in getattr(error, "errors", []) or [])
            self._finish(delivery_id, False, attempts=1, error=f"{error}{': ' + details if details else ''}")
            return
        self._finish(delivery_id, True, attempts=1, handler_run_id=run_id)

    # -- deliveries a stopped server left pending ---------------------------------------------

    def resume(self, delivery: NotificationDelivery) -> None:
        """Finish a pending delivery whose server stopped (the sweep took its lease)."""
        self._pool.submit(self._resume_safely, delivery)

    def _resume_safely(self, delivery: NotificationDelivery) -> None:
        try:
            self._resume(delivery)
        except Exception:  # a notification must never fail anything else
            log.exception("resuming notification delivery %s failed", delivery.id)

    def _resume(self, delivery: NotificationDelivery) -> None:
        facts, sources = self._facts(delivery.run_kind, delivery.run_id)
        source = next((s for s in sources if (s["kind"], s["id"]) == (delivery.source_kind, delivery.source_id)), None)
        rule = NotificationRule.model_validate(delivery.rule)
        owners = [caller for configured, caller in self._rules(source) if configured == rule] if source else []
        if facts is None or not owners:
            self._finish(delivery.id, False, error="its run or its rule is gone: not sent after its server stopped")
            return
        log.info("resuming notification delivery %s (%s of %s %s) left pending by a stopped server",
                 delivery.id, delivery.event, delivery.run_kind, delivery.run_id)
        if delivery.channel == "webhook":
            self._post(rule, owners[0], delivery.event, source, facts, delivery.id, delivery.attempts)
        else:
            self._start_handler(rule, owners[0], delivery.event, source, facts, delivery.id)
