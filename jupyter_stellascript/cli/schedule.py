"""``stellascript schedule``: the schedules of a server (--url, $STELLASCRIPT_URL) from the
command line. Bad input (a cron expression or zone that does not parse, a refused body) exits 2;
other refusals 1."""

from __future__ import annotations

import json
from typing import Any

import click

from .common import EXIT_API_ERROR, EXIT_BAD_INPUT, fail, parse_pairs
from .placement import placement_options
from .remote import _echo_json, _table, _with_client, api_fail, script_by_reference

OVERLAP = click.Choice(["skip", "queue", "allow"])
CATCH_UP = click.Choice(["none", "once"])
EVENTS = ("failure", "recovery", "success", "start")


def call(client, method: str, path: str, body: Any = None) -> Any:
    """One request; a 400 (what was sent is wrong) exits 2, listing each field."""
    from ..client import ClientError

    try:
        return client._json(method, path, json_body=body)
    except ClientError as error:
        api_fail(error, code=EXIT_BAD_INPUT if error.status == 400 else EXIT_API_ERROR)


def _check_cron(cron: str | None, timezone: str | None) -> None:
    from ..schedules.cron import cron_problem, zone_problem

    problems = [f"--cron: {cron_problem(cron)}"] if cron is not None and cron_problem(cron) else []
    problems += [f"--timezone: {zone_problem(timezone)}"] if timezone is not None and zone_problem(timezone) else []
    if problems:
        fail("; ".join(problems))


def _notifications(webhooks: tuple[str, ...], on: str | None, fmt: str) -> list[dict] | None:
    if not webhooks:
        return None
    events = [event.strip() for event in (on or "failure").split(",") if event.strip()]
    unknown = [event for event in events if event not in EVENTS]
    if unknown:
        fail(f"--notify-on: {', '.join(unknown)}: events are {', '.join(EVENTS)}")
    return [{"on": events, "webhook": url, "format": fmt} for url in webhooks]


def _inputs(values: tuple[str, ...]) -> dict[str, Any]:
    inputs = {}
    for key, text in parse_pairs(values, "input").items():
        try:
            inputs[key] = json.loads(text)
        except ValueError:
            inputs[key] = text
    return inputs


@click.group()
def schedule() -> None:
    """Cron schedules of scripts and workflows, run as you."""


@schedule.command("create")
@click.argument("what", metavar="SCRIPT|WORKFLOW")
@click.option("--cron", required=True, help="5 fields (minute hour day month weekday), or 6 with seconds first.")
@click.option("--timezone", help="An IANA time zone (default UTC).")
@click.option("--workflow", "is_workflow", is_flag=True, help="SCRIPT|WORKFLOW is a workflow's id, not a script.")
@click.option("--version", help="The version to run (default: the latest at each fire).")
@click.option("--name", help="What the schedule is for.")
@click.option("--arg", "args", multiple=True, help="A script argument KEY=VALUE (repeatable).")
@click.option("--input", "inputs", multiple=True, help="A workflow input KEY=VALUE (JSON for non-strings; repeatable).")
@click.option("--secret", "secrets", multiple=True, help="ENV_VAR=secret-name for a script's run (repeatable).")
@click.option("--overlap", type=OVERLAP, help="While the previous run goes on: skip (default), queue or allow.")
@click.option("--catch-up", "catch_up", type=CATCH_UP, help="After downtime: none (default) or once.")
@click.option("--disabled", is_flag=True, help="Create it paused.")
@click.option("--notify-webhook", "notify_webhooks", multiple=True, help="A URL to notify (repeatable).")
@click.option("--notify-on", help=f"Comma-separated events for --notify-webhook: {', '.join(EVENTS)} (default failure).")
@click.option("--notify-format", type=click.Choice(["json", "slack"]), default="json", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the schedule as JSON.")
@placement_options
@_with_client
def schedule_create(client, what: str, cron: str, timezone: str | None, is_workflow: bool, version: str | None,
                    name: str | None, args: tuple[str, ...], inputs: tuple[str, ...], secrets: tuple[str, ...],
                    overlap: str | None, catch_up: str | None, disabled: bool, notify_webhooks: tuple[str, ...],
                    notify_on: str | None, notify_format: str, as_json: bool, placement: dict) -> None:
    """Run a script (id, name or owner/name) or, with --workflow, a workflow (its id) on a cron schedule."""
    _check_cron(cron, timezone)
    if is_workflow and (args or secrets or placement):
        fail("--arg, --secret, --target, --worker-tag, --priority and --retry-on-executor-loss are for scripts; "
             "a workflow takes --input (its steps say where they run)")
    if not is_workflow and inputs:
        fail("--input is for workflows (--workflow); a script takes --arg")
    body: dict[str, Any] = {"cron": cron, "timezone": timezone, "version": version, "name": name, "overlap": overlap,
                            "catch_up": catch_up, "enabled": not disabled,
                            "notifications": _notifications(notify_webhooks, notify_on, notify_format), **placement}
    if is_workflow:
        body.update(workflow_id=what, inputs=_inputs(inputs))
    else:
        body.update(script_id=script_by_reference(client, what), arguments=parse_pairs(args, "arg"),
                    secrets=parse_pairs(secrets, "secret"))
    created = call(client, "POST", "schedules", {key: value for key, value in body.items() if value is not None})
    if as_json:
        _echo_json(created)
        return
    click.echo(created["id"])
    click.echo(f"next runs: {', '.join(created['next_runs'][:3]) or '(paused)'}", err=True)


@schedule.command("list")
@click.option("--json", "as_json", is_flag=True)
@_with_client
def schedule_list(client, as_json: bool) -> None:
    """Your schedules (an admin's: everyone's)."""
    items = call(client, "GET", "schedules?limit=500")["items"]
    if as_json:
        _echo_json(items)
        return
    _table([[s["id"], s["name"] or "", ("" if s["script_id"] else "workflow ") + s["target_name"], s["cron"], s["timezone"],
             "enabled" if s["enabled"] else "paused", (s["next_runs"] or [""])[0],
             (s["last_run"] or {}).get("status") or (s["last_run"] or {}).get("outcome") or ""] for s in items],
           ["ID", "NAME", "TARGET", "CRON", "TIMEZONE", "STATE", "NEXT RUN", "LAST RUN"])


@schedule.command("show")
@click.argument("schedule_id")
@_with_client
def schedule_show(client, schedule_id: str) -> None:
    """A schedule as JSON (with next_runs and the last run)."""
    _echo_json(call(client, "GET", f"schedules/{schedule_id}"))


@schedule.command("update")
@click.argument("schedule_id")
@click.option("--cron")
@click.option("--timezone")
@click.option("--overlap", type=OVERLAP)
@click.option("--catch-up", "catch_up", type=CATCH_UP)
@click.option("--arg", "args", multiple=True, help="Replaces the script's arguments (KEY=VALUE, repeatable).")
@_with_client
def schedule_update(client, schedule_id: str, cron: str | None, timezone: str | None, overlap: str | None,
                    catch_up: str | None, args: tuple[str, ...]) -> None:
    """Change a schedule; what is not given stays."""
    _check_cron(cron, timezone)
    body = {"cron": cron, "timezone": timezone, "overlap": overlap, "catch_up": catch_up,
            "arguments": parse_pairs(args, "arg") if args else None}
    _echo_json(call(client, "PUT", f"schedules/{schedule_id}", {k: v for k, v in body.items() if v is not None}))


@schedule.command("history")
@click.argument("schedule_id")
@click.option("--json", "as_json", is_flag=True)
@_with_client
def schedule_history(client, schedule_id: str, as_json: bool) -> None:
    """The occurrences it handled, newest first, and their runs."""
    items = call(client, "GET", f"schedules/{schedule_id}/runs?limit=100")["items"]
    if as_json:
        _echo_json(items)
        return
    _table([[f["fire_time"], f["outcome"] + (" (catch-up)" if f["catch_up"] else "") + (" (run now)" if f["manual"] else ""),
             f["run_id"] or "", f["status"] or "", f["message"] or ""] for f in items],
           ["TIME", "OUTCOME", "RUN", "STATUS", "MESSAGE"])


def _action(name: str, verb: str, help_text: str) -> None:
    @schedule.command(name, help=help_text)
    @click.argument("schedule_id")
    @_with_client
    def command(client, schedule_id: str) -> None:
        answer = call(client, "DELETE" if name == "delete" else "POST",
                      f"schedules/{schedule_id}" + ("" if name == "delete" else f"/{name}"))
        if name == "run-now":
            click.echo(answer["run_id"] or "")
            click.echo(f"{answer['outcome']}" + (f": {answer['message']}" if answer.get("message") else ""), err=True)
        else:
            click.echo(f"{verb} {schedule_id}", err=True)


_action("pause", "paused", "Stop firing it (until resume).")
_action("resume", "resumed", "Fire it again, from the next occurrence on.")
_action("run-now", "started", "One run now, as the schedule would run it.")
_action("delete", "deleted", "Delete it and its history.")


__all__ = ["call", "schedule"]
