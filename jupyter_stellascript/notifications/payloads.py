"""What a notification says: the event as JSON, in Slack's message format, or as a handler's arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TAIL_LINES = 20
TAIL_CHARS = 2000
ICONS = {"failure": ":x:", "recovery": ":white_check_mark:", "success": ":white_check_mark:", "start": ":arrow_forward:"}


@dataclass(frozen=True)
class RunFacts:
    """The run a notification is about (already masked: stored output holds no secret value)."""

    run_kind: str  # execution or workflow_run
    run_id: str
    status: str
    exit_code: int | None
    name: str  # the script's or workflow's name
    requested_by: str
    trigger: str
    output_tail: str
    error: str | None


def output_tail(*texts: str | None) -> str:
    text = "\n".join(part.rstrip("\n") for part in texts if part)
    lines = text.splitlines()[-TAIL_LINES:]
    return "\n".join(lines)[-TAIL_CHARS:]


def as_json(event: str, source: dict, run: RunFacts, link: str) -> dict[str, Any]:
    return {"event": event, "source": source, "link": link,
            "run": {"kind": run.run_kind, "id": run.run_id, "status": run.status, "exit_code": run.exit_code,
                    "name": run.name, "requested_by": run.requested_by, "trigger": run.trigger,
                    "output_tail": run.output_tail, "error": run.error}}


def as_slack(event: str, source: dict, run: RunFacts, link: str) -> dict[str, Any]:
    """Slack's incoming-webhook body: ``text`` (the notification's own line) and Block Kit ``blocks``."""
    headline = f"{ICONS.get(event, '')} {run.name}: {event} ({run.status}" + \
        (f", exit code {run.exit_code})" if run.exit_code is not None else ")")
    fields = [{"type": "mrkdwn", "text": f"*Source*\n{source['kind']} {source.get('name') or source['id']}"},
              {"type": "mrkdwn", "text": f"*Run*\n<{link}|{run.run_id}>"},
              {"type": "mrkdwn", "text": f"*By*\n{run.requested_by} ({run.trigger})"}]
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{headline.strip()}*"}},
                                    {"type": "section", "fields": fields}]
    tail = run.output_tail or run.error
    if tail:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"```{tail[-2900:]}```"}})
    return {"text": headline.strip(), "blocks": blocks}


def as_arguments(event: str, source: dict, run: RunFacts, link: str) -> dict[str, str]:
    """A handler run's arguments: which run failed (or started...), how, and where to look."""
    return {"event": event, "run_kind": run.run_kind, "run_id": run.run_id, "status": run.status,
            "exit_code": "" if run.exit_code is None else str(run.exit_code), "name": run.name,
            "source_kind": source["kind"], "source_id": source["id"], "output_tail": run.output_tail, "link": link}


FORMATS = {"json": as_json, "slack": as_slack}
