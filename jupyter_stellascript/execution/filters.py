"""What an executions list can be narrowed to (the execution centre's filters).

Each filter is one SQL condition on ``executions``; the list stays paged in
the database, newest first. A bad value is a 400 naming its query field.

``trigger`` says where a run was started from: the ``X-StellaScript-Trigger``
header of the request that submitted it (the JupyterLab panel sends ``ui``,
the magics ``notebook``, the CLI ``cli``; other parts of the platform may
send ``workflow``; schedules, webhooks and notification handler runs
record ``schedule``, ``webhook`` and ``notification``); ``api`` when the header is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import ColumnElement

from ..db import Execution
from ..errors import ValidationFailed
from .models import ExecutionStatus

TRIGGERS = ("api", "ui", "notebook", "cli", "workflow", "schedule", "webhook", "notification")
DEFAULT_TRIGGER = "api"


def trigger_of(header: str | None) -> str:
    """The trigger a submitting request names (400 for one not in TRIGGERS)."""
    value = (header or DEFAULT_TRIGGER).strip().lower()
    if value not in TRIGGERS:
        raise ValidationFailed([{"field": "X-StellaScript-Trigger",
                                 "message": f"the trigger must be one of {', '.join(TRIGGERS)}, not {header!r}"}])
    return value


@dataclass(frozen=True)
class ExecutionFilters:
    script_id: str | None = None
    status: str | None = None
    requested_by: str | None = None
    trigger: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(cls, script_id: str | None = None, status: str | None = None, requested_by: str | None = None,
              trigger: str | None = None, since: str | None = None, until: str | None = None) -> "ExecutionFilters":
        problems = []
        statuses = [s.value for s in ExecutionStatus]
        if status and status not in statuses:
            problems.append({"field": "status", "message": f"status must be one of {', '.join(statuses)}"})
        if trigger and trigger not in TRIGGERS:
            problems.append({"field": "trigger", "message": f"trigger must be one of {', '.join(TRIGGERS)}"})
        moments = {}
        for field, text in (("since", since), ("until", until)):
            if not text:
                continue
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                problems.append({"field": field, "message": f"{field} must be an ISO 8601 time, e.g. 2026-12-01T10:00:00Z"})
                continue
            moments[field] = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        if problems:
            raise ValidationFailed(problems)
        return cls(script_id or None, status or None, requested_by or None, trigger or None,
                   moments.get("since"), moments.get("until"))

    def conditions(self, table: type = Execution) -> list[ColumnElement[bool]]:
        """The filters on ``table``: executions, or workflow runs (which have the same
        status, requested_by, trigger and queued_at columns, and no script)."""
        found = []
        if self.script_id:
            found.append(table.script_id == self.script_id)
        if self.status:
            found.append(table.status == self.status)
        if self.requested_by:
            found.append(table.requested_by == self.requested_by)
        if self.trigger:
            found.append(table.trigger == self.trigger)
        if self.since:
            found.append(table.queued_at >= self.since)
        if self.until:
            found.append(table.queued_at < self.until)
        return found
