"""Notification settings of scripts and workflows, and the delivery log.

The rules of a script or a workflow are set by its creator (or an admin) and
are theirs: handler runs start as them and ``${{ secrets.NAME }}`` in a URL
is a secret they may use. A schedule keeps its rules on its own record.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from ..db import iso_utc, utcnow
from ..errors import Forbidden, Unauthenticated
from ..execution.fields import parse
from ..identity import Caller
from ..paging import DEFAULT_LIMIT, Page
from ..triggered_runs import TriggeredRuns
from .models import DeliveryRecord, NotificationSettingsBody
from .tables import NotificationDelivery, NotificationSettings


class NotificationSettingsStore:
    def __init__(self, sessions: sessionmaker, triggered: TriggeredRuns) -> None:
        self.sessions = sessions
        self.triggered = triggered

    def _writable(self, caller: Caller, kind: str, source_id: str) -> str:
        """The source's id, when the caller may set its notifications (its creator, an admin)."""
        if not caller.authenticated:
            raise Unauthenticated("notification settings need an authenticated user")
        target = self.triggered.describe(caller, kind, source_id)  # NotFound for what the caller cannot read
        if not (caller.admin or target["owner"] == caller.name):
            raise Forbidden(f"only the {kind}'s creator or an admin sets its notifications")
        return target["id"]

    def get(self, caller: Caller, kind: str, source_id: str) -> dict:
        source_id = self._writable(caller, kind, source_id)
        with self.sessions() as session:
            row = session.get(NotificationSettings, (kind, source_id))
            return {"notifications": row.rules if row else [], "owner": row.owner if row else None}

    def replace(self, caller: Caller, kind: str, source_id: str, body: NotificationSettingsBody | dict) -> dict:
        body = parse(NotificationSettingsBody, body)
        source_id = self._writable(caller, kind, source_id)
        rules = [rule.model_dump(mode="json") for rule in body.notifications]
        with self.sessions() as session, session.begin():
            row = session.get(NotificationSettings, (kind, source_id))
            if row is None:
                row = NotificationSettings(source_kind=kind, source_id=source_id)
                session.add(row)
            row.owner, row.owner_teams, row.rules, row.updated_at = caller.name, sorted(caller.teams), rules, utcnow()
        return {"notifications": rules, "owner": caller.name}

    def deliveries(self, caller: Caller, run_id: str | None = None, source_id: str | None = None,
                   limit: int = DEFAULT_LIMIT, offset: int = 0) -> tuple[list[dict], int]:
        """The caller's deliveries (those of rules they own; an admin's: all), newest first."""
        if not caller.authenticated:
            raise Unauthenticated("the delivery log needs an authenticated user")
        page = Page.of(limit, offset)
        conditions = [] if caller.admin else [NotificationDelivery.owner == caller.name]
        if run_id:
            conditions.append(NotificationDelivery.run_id == run_id)
        if source_id:
            conditions.append(NotificationDelivery.source_id == source_id)
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(NotificationDelivery).where(*conditions))
            rows = session.scalars(select(NotificationDelivery).where(*conditions)
                                   .order_by(NotificationDelivery.id.desc()).limit(page.limit).offset(page.offset)).all()
            return [delivery_view(row) for row in rows], total


def delivery_view(row: NotificationDelivery) -> dict:
    return DeliveryRecord(
        id=row.id, source_kind=row.source_kind, source_id=row.source_id, event=row.event, run_kind=row.run_kind,
        run_id=row.run_id, channel=row.channel, target=row.target, format=row.format, status=row.status,
        attempts=row.attempts, response_status=row.response_status, error=row.error, handler_run_id=row.handler_run_id,
        created_at=iso_utc(row.created_at), completed_at=iso_utc(row.completed_at)).model_dump(mode="json")
