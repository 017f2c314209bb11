"""``stellascript workflow``: run a workflow file or a saved workflow, and the
workflow REST API (create, list, show, update, delete, versions, runs,
cancel, rerun) from the command line."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from .common import EXIT_API_ERROR, EXIT_CANCELLED, EXIT_ENGINE_ERROR, fail, parse_pairs, read_script_file
from .remote import _echo_json, _table, _with_client, api_fail

RUN_EXIT = {"Succeeded": 0, "Failed": EXIT_API_ERROR, "Cancelled": EXIT_CANCELLED, "Error": EXIT_ENGINE_ERROR}
VISIBILITY = click.Choice(["private", "team", "organization", "public"])


@click.group()
def workflow() -> None:
    """Workflows: multi-step runs of registry scripts (--url, $STELLASCRIPT_URL)."""


def step_rows(run: dict) -> list[list[str]]:
    rows = []
    for step in run["steps"]:
        outputs = step.get("outputs")
        shown = "" if outputs in (None, {}, []) else json.dumps(outputs)
        rows.append([step["id"], step["status"], str(step.get("attempts") or 0),
                     f"{step['duration_ms'] / 1000:.1f}s" if step.get("duration_ms") is not None else "",
                     "" if step.get("exit_code") is None else str(step["exit_code"]),
                     shown if len(shown) <= 60 else shown[:57] + "...", step.get("error") or ""])
    return rows


STEP_HEADER = ["STEP", "STATUS", "ATTEMPTS", "DURATION", "EXIT", "OUTPUTS", "ERROR"]


def follow(workflows, run_id: str, quiet: bool) -> dict:
    """Print each step as it changes (the live step table), then the run; returns the run."""
    seen: dict[str, tuple] = {}
    run = None
    for event in workflows.events(run_id):
        if event["type"] == "step" and not quiet:
            key = (event["status"], event.get("attempts"))
            if seen.get(event["step"]) != key:
                seen[event["step"]] = key
                attempt = f" (attempt {event['attempts']})" if event.get("attempts", 0) > 1 else ""
                click.echo(f"{datetime.now():%H:%M:%S}  {event['step']:<20} {event['status']}{attempt}", err=True)
        elif event["type"] == "end":
            run = {key: value for key, value in event.items() if key != "type"}
    return run or workflows.get_run(run_id)


def report(run: dict, as_json: bool) -> None:
    if as_json:
        _echo_json(run)
    else:
        _table(step_rows(run), STEP_HEADER)
        click.echo(f"run {run['id']}: {run['status']}" + (f" ({run['error']})" if run.get("error") else ""), err=True)
    sys.exit(RUN_EXIT.get(run["status"], EXIT_ENGINE_ERROR))


@workflow.command("run")
@click.argument("target")
@click.option("--input", "inputs", multiple=True, help="An input as KEY=VALUE (JSON for non-string inputs; repeatable).")
@click.option("--version", help="A saved workflow's version (default: the latest).")
@click.option("--detach", is_flag=True, help="Print the run id and return at once.")
@click.option("--quiet", is_flag=True, help="No live step lines; only the final table.")
@click.option("--json", "as_json", is_flag=True, help="Print the finished run as JSON.")
@_with_client
def workflow_run(client, target: str, inputs: tuple[str, ...], version: str | None, detach: bool, quiet: bool,
                 as_json: bool) -> None:
    """Run TARGET: a workflow file (YAML or JSON; steps name registry scripts, or script
    files beside it, which become your private registry scripts), or a saved workflow's id or name."""
    from ..workflows.client import WorkflowClient, read_definition, typed_inputs, upload_local_scripts

    workflows = WorkflowClient(client)
    given = parse_pairs(inputs, "input")
    path = Path(target)
    if path.is_file():
        try:
            definition = read_definition(read_script_file(path))
        except ValueError as error:
            fail(f"{path}: {error}")
        definition = upload_local_scripts(client, definition, path.parent)
        accepted = workflows.run_definition(definition, typed_inputs(definition.get("inputs") or {}, given))
    else:
        saved = workflows.resolve(target)
        accepted = workflows.run(saved["id"], typed_inputs(saved["definition"].get("inputs") or {}, given), version=version)
    if detach:
        click.echo(accepted["run_id"])
        return
    report(follow(workflows, accepted["run_id"], quiet or as_json), as_json)


@workflow.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", help="Default: the definition's name, else the file name.")
@click.option("--visibility", type=VISIBILITY)
@click.option("--tag", "tags", multiple=True)
@click.option("--description")
@_with_client
def workflow_create(client, file: Path, name: str | None, visibility: str | None, tags: tuple[str, ...],
                    description: str | None) -> None:
    """Save FILE as a new workflow (1.0.0, every step's script version pinned); prints its id."""
    from ..client import ClientError
    from ..workflows.client import WorkflowClient

    text = read_script_file(file)
    try:
        saved = WorkflowClient(client).create(text, name=name or _name_of(text, file), visibility=visibility,
                                              tags=list(tags) or None, description=description)
    except ClientError as error:
        api_fail(error, source=str(file))
    click.echo(f"created {saved['name']!r} {saved['version']} ({saved['visibility']})", err=True)
    click.echo(saved["id"])


def _name_of(text: str, file: Path) -> str:
    from ..workflows.client import read_definition

    try:
        return read_definition(text).get("name") or file.name.split(".")[0]
    except ValueError:
        return file.name.split(".")[0]  # the server names the problem


@workflow.command("update")
@click.argument("workflow_id")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--bump", type=click.Choice(["major", "minor", "patch"]), default="minor", show_default=True)
@_with_client
def workflow_update(client, workflow_id: str, file: Path | None, bump: str) -> None:
    """Save a new version (from FILE, else the same definition re-pinned to the newest script versions)."""
    from ..client import ClientError
    from ..workflows.client import WorkflowClient

    try:
        saved = WorkflowClient(client).update(workflow_id, read_script_file(file) if file else None, version_bump=bump)
    except ClientError as error:
        api_fail(error, source=str(file) if file else None)
    click.echo(f"{saved['name']!r} is now {saved['version']}", err=True)


@workflow.command("list")
@click.option("--q", "text")
@click.option("--tag", "tags", multiple=True)
@click.option("--visibility", type=VISIBILITY)
@click.option("--json", "as_json", is_flag=True)
@_with_client
def workflow_list(client, text: str | None, tags: tuple[str, ...], visibility: str | None, as_json: bool) -> None:
    """The workflows you can read."""
    from ..workflows.client import WorkflowClient

    page = WorkflowClient(client).list(q=text, tags=tags, visibility=visibility)
    if as_json:
        _echo_json(page)
        return
    _table([[w["id"], w["name"], w["latest_version"], w["visibility"], ",".join(w["tags"])] for w in page["items"]],
           ["ID", "NAME", "VERSION", "VISIBILITY", "TAGS"])


@workflow.command("show")
@click.argument("workflow_id")
@click.option("--version")
@click.option("--content", "show_content", is_flag=True, help="Print the definition as written.")
@_with_client
def workflow_show(client, workflow_id: str, version: str | None, show_content: bool) -> None:
    """A workflow (JSON), or its definition as written."""
    from ..workflows.client import WorkflowClient

    saved = WorkflowClient(client).get(workflow_id, version)
    click.echo(saved["content"], nl=False) if show_content else _echo_json(saved)


@workflow.command("delete")
@click.argument("workflow_id")
@_with_client
def workflow_delete(client, workflow_id: str) -> None:
    """Delete a workflow (its runs stay)."""
    from ..workflows.client import WorkflowClient

    WorkflowClient(client).delete(workflow_id)
    click.echo(f"deleted {workflow_id}", err=True)


@workflow.command("versions")
@click.argument("workflow_id")
@_with_client
def workflow_versions(client, workflow_id: str) -> None:
    """Every version, newest first, with the script versions it pins."""
    from ..workflows.client import WorkflowClient

    _table([[v["version"], v["created_at"], v["created_by"],
             " ".join(f"{step}={pin['name']}@{pin['version']}" for step, pin in v["pins"].items())]
            for v in WorkflowClient(client).versions(workflow_id)], ["VERSION", "CREATED", "BY", "PINS"])


@workflow.command("runs")
@click.option("--workflow-id")
@click.option("--status", type=click.Choice(["Queued", "Running", "Succeeded", "Failed", "Cancelled", "Error"]))
@click.option("--json", "as_json", is_flag=True)
@_with_client
def workflow_runs(client, workflow_id: str | None, status: str | None, as_json: bool) -> None:
    """Your workflow runs, newest first."""
    from ..workflows.client import WorkflowClient

    page = WorkflowClient(client).runs(workflow_id=workflow_id, status=status)
    if as_json:
        _echo_json(page)
        return
    _table([[r["id"], r["workflow_id"] or "(file)", r["workflow_version"] or "", r["status"], r["queued_at"]]
            for r in page["items"]], ["RUN", "WORKFLOW", "VERSION", "STATUS", "QUEUED"])


@workflow.command("status")
@click.argument("run_id")
@click.option("--follow", "follow_run", is_flag=True, help="Follow it live until it ends.")
@click.option("--json", "as_json", is_flag=True)
@_with_client
def workflow_status(client, run_id: str, follow_run: bool, as_json: bool) -> None:
    """A run's steps (exit code: the run's status, as for run)."""
    from ..workflows.client import WorkflowClient

    workflows = WorkflowClient(client)
    report(follow(workflows, run_id, as_json) if follow_run else workflows.get_run(run_id), as_json)


@workflow.command("cancel")
@click.argument("run_id")
@_with_client
def workflow_cancel(client, run_id: str) -> None:
    """Cancel a run: running steps are cancelled, the rest Skipped."""
    from ..workflows.client import WorkflowClient

    run = WorkflowClient(client).cancel(run_id)
    click.echo(f"cancelling {run_id} ({run['status']})", err=True)


@workflow.command("rerun")
@click.argument("run_id")
@click.option("--from-step", help="Also run this step again (and what depends on it).")
@click.option("--json", "as_json", is_flag=True)
@_with_client
def workflow_rerun(client, run_id: str, from_step: str | None, as_json: bool) -> None:
    """Run again: the steps that did not succeed and their dependants; the rest keep their outputs."""
    from ..workflows.client import WorkflowClient

    workflows = WorkflowClient(client)
    accepted = workflows.rerun(run_id, from_step)
    report(follow(workflows, accepted["run_id"], as_json), as_json)
