"""``stellascript scripts`` and ``stellascript executions``: the REST API of a
server (--url, $STELLASCRIPT_URL) from the command line."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import NoReturn

import click

from ..execution.models import ExecutionStatus, NetworkMode
from .common import (
    EXIT_API_ERROR,
    EXIT_BAD_INPUT,
    EXIT_CANCELLED,
    EXIT_ENGINE_ERROR,
    exit_code_for,
    fail,
    parse_duration,
    parse_pairs,
    read_script_file,
)
from .placement import placement_options


def _with_client(command):
    """Adds --url and --token, and hands the command a StellaScriptClient; a
    ClientError becomes one line on stderr and exit 1."""
    import functools

    from ..client import DEFAULT_URL, ClientError, StellaScriptClient

    @click.option("--url", envvar="STELLASCRIPT_URL", default=DEFAULT_URL, show_default=True, show_envvar=True,
                  help="The server (its base URL; the API path is added).")
    @click.option("--token", envvar="STELLASCRIPT_TOKEN", show_envvar=True, help="An API token (stellascript token create).")
    @functools.wraps(command)
    def wrapper(*args, url: str, token: str | None, **kwargs):
        try:
            return command(StellaScriptClient(url, token=token, trigger="cli"), *args, **kwargs)
        except ClientError as error:
            api_fail(error)

    return wrapper


def api_fail(error, source: str | None = None, code: int = EXIT_API_ERROR) -> NoReturn:
    """``stellascript: <status> <message>``, then one line per invalid field
    (``FILE:line:column: message`` for the script's content)."""
    if error.status is None:
        fail(error.message, code)
    click.echo(f"stellascript: {error.status} {error.message}", err=True)
    for problem in error.errors:
        field, line, column = problem.get("field", "request"), problem.get("line"), problem.get("column")
        where = field
        if line is not None:
            where = f"{source if source and field == 'content' else field}:{line}" + (f":{column}" if column is not None else "")
        click.echo(f"  {where}: {problem.get('message', '')}", err=True)
    if error.status == 401:
        click.echo("  (pass an API token with --token or STELLASCRIPT_TOKEN; `stellascript token create` makes one)", err=True)
    sys.exit(code)


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def script_by_reference(client, reference: str) -> str:
    """SCRIPT is an id, a name or owner/name; the server's resolver turns a name into an id."""
    return reference if _UUID.match(reference) else client.resolve_script(reference)["id"]


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2))


def _metadata(script: dict) -> dict:
    return {key: value for key, value in script.items() if key != "content"}


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for row in [header, *rows]:
        click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


def _write(stream: str, text: str) -> None:
    target = sys.stdout if stream == "stdout" else sys.stderr
    buffer = getattr(target, "buffer", None)
    if buffer is not None:
        buffer.write(text.encode("utf-8", errors="replace"))
        buffer.flush()
    else:
        target.write(text)
        target.flush()


def _follow(client, execution_id: str) -> dict | None:
    """Print an execution's output as it comes; returns the end event's {status, exit_code}."""
    end = None
    for event, data in client.stream_logs(execution_id):
        if event in ("stdout", "stderr"):
            _write(event, data)
        elif event == "platform":  # dependency resolution, image builds: not the script's output
            _write("stderr", "".join(f"stellascript: {line}\n" for line in data.splitlines()))
        elif event == "end":
            end = json.loads(data)
    return end


@click.group()
def scripts() -> None:
    """The script registry of a server (--url, $STELLASCRIPT_URL)."""


@scripts.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", help="The script's name (default: the file name without its extension).")
@click.option("--language", help="The language (default: from the file's extension).")
@click.option("--visibility", type=click.Choice(["private", "team", "organization", "public"]), help="Who may see and run it (server default: private).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--description", help="What the script does.")
@click.option("--entry-point", help="The file name it runs as (default: derived by the server from the content).")
@click.option("--retry-on-executor-loss/--no-retry-on-executor-loss", "retry_on_executor_loss", default=None,
              help="Queue its runs again once when their executor dies (a run's own option wins).")
@click.option("--json", "as_json", is_flag=True, help="Print the new script's metadata as JSON.")
@_with_client
def scripts_create(client, file: Path, name: str | None, language: str | None, visibility: str | None, tags: tuple[str, ...],
                   description: str | None, entry_point: str | None, retry_on_executor_loss: bool | None, as_json: bool) -> None:
    """Create a script from FILE (version 1.0.0); prints its id."""
    from ..client import ClientError
    from ..languages import UnknownLanguage, get_language, language_for_file

    try:
        chosen = get_language(language) if language else language_for_file(file)
    except UnknownLanguage as error:
        fail(str(error))
    content = read_script_file(file)
    try:
        script = client.create_script(name=name or file.stem, language=chosen.name, content=content, description=description,
                                      visibility=visibility, tags=tags or None, entry_point=entry_point,
                                      retry_on_executor_loss=retry_on_executor_loss)
    except ClientError as error:
        api_fail(error, source=str(file))
    if as_json:
        _echo_json(_metadata(script))
    else:
        click.echo(f"created {script['name']!r} {script['version']} ({script['language']}, {script['visibility']})", err=True)
        click.echo(script["id"])


@scripts.command("list")
@click.option("--q", "text", help="Text in the name or description.")
@click.option("--language", help="Only this language.")
@click.option("--tag", "tags", multiple=True, help="Only scripts with this tag (repeatable: all must match).")
@click.option("--visibility", type=click.Choice(["private", "team", "organization", "public"]))
@click.option("--limit", type=click.IntRange(1, 500), help="Page size (server default 50).")
@click.option("--offset", type=click.IntRange(0), help="Skip this many matches.")
@click.option("--json", "as_json", is_flag=True, help="Print the server's answer as JSON.")
@_with_client
def scripts_list(client, text: str | None, language: str | None, tags: tuple[str, ...], visibility: str | None,
                 limit: int | None, offset: int | None, as_json: bool) -> None:
    """Search the scripts you may see."""
    page = client.list_scripts(q=text, language=language, tags=tags, visibility=visibility, limit=limit, offset=offset)
    if as_json:
        _echo_json(page)
        return
    _table([[s["id"], s["name"], s["language"], s["latest_version"], s["visibility"], ",".join(s["tags"] or [])]
            for s in page["items"]], ["ID", "NAME", "LANGUAGE", "VERSION", "VISIBILITY", "TAGS"])
    if page["total"] > len(page["items"]):
        click.echo(f"({len(page['items'])} of {page['total']}; see --limit and --offset)", err=True)


@scripts.command("show")
@click.argument("script_id", metavar="SCRIPT")
@click.option("--version", help="A version such as 1.2.0 (default: the latest).")
@click.option("--content", "show_content", is_flag=True, help="Print the source instead of the metadata.")
@_with_client
def scripts_show(client, script_id: str, version: str | None, show_content: bool) -> None:
    """A script's metadata as JSON, or its source with --content."""
    script_id = script_by_reference(client, script_id)
    script = client.get_script(script_id, version=version)
    if show_content:
        _write("stdout", script["content"])  # exactly: click.echo would strip escape sequences when piped
    else:
        _echo_json(_metadata(script))


@scripts.command("update")
@click.argument("script_id", metavar="SCRIPT")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--bump", type=click.Choice(["major", "minor", "patch"]), default="patch", show_default=True, help="Which part of the version grows.")
@click.option("--expected-version", help="Refuse (409) unless the script is still at this version.")
@click.option("--name", help="A new name.")
@click.option("--description", help="A new description.")
@click.option("--visibility", type=click.Choice(["private", "team", "organization", "public"]))
@click.option("--tag", "tags", multiple=True, help="Replace the tags (repeatable).")
@click.option("--retry-on-executor-loss/--no-retry-on-executor-loss", "retry_on_executor_loss", default=None,
              help="Queue its runs again once when their executor dies (a run's own option wins).")
@click.option("--json", "as_json", is_flag=True, help="Print the new version's metadata as JSON.")
@_with_client
def scripts_update(client, script_id: str, file: Path, bump: str, expected_version: str | None, name: str | None,
                   description: str | None, visibility: str | None, tags: tuple[str, ...],
                   retry_on_executor_loss: bool | None, as_json: bool) -> None:
    """A new version of a script from FILE; prints the new version."""
    script_id = script_by_reference(client, script_id)
    from ..client import ClientError

    content = read_script_file(file)
    fields = {"name": name, "description": description, "visibility": visibility, "tags": list(tags) if tags else None,
              "retry_on_executor_loss": retry_on_executor_loss}
    try:
        script = client.update_script(script_id, content=content, version_bump=bump, expected_version=expected_version,
                                      **{k: v for k, v in fields.items() if v is not None})
    except ClientError as error:
        api_fail(error, source=str(file))
    if as_json:
        _echo_json(_metadata(script))
    else:
        click.echo(f"updated {script['name']!r} to {script['version']}", err=True)
        click.echo(script["version"])


@scripts.command("delete")
@click.argument("script_id", metavar="SCRIPT")
@_with_client
def scripts_delete(client, script_id: str) -> None:
    """Delete a script (its versions stay for the execution records)."""
    script_id = script_by_reference(client, script_id)
    client.delete_script(script_id)
    click.echo(f"deleted {script_id}", err=True)


@scripts.command("versions")
@click.argument("script_id", metavar="SCRIPT")
@click.option("--json", "as_json", is_flag=True, help="Print the server's answer as JSON.")
@_with_client
def scripts_versions(client, script_id: str, as_json: bool) -> None:
    """Every version of a script, newest first."""
    script_id = script_by_reference(client, script_id)
    versions = client.versions(script_id)
    if as_json:
        _echo_json(versions)
        return
    _table([[v["version"], v["created_at"], v["created_by"], v["content_sha256"][:12]] for v in versions],
           ["VERSION", "CREATED", "BY", "SHA256"])


@scripts.command("run")
@click.argument("script_id", metavar="SCRIPT")
@click.option("--version", help="The version to run (default: the latest).")
@click.option("--arg", "args", multiple=True, metavar="KEY=VALUE", help="An argument for /scripts/args.json (repeatable).")
@click.option("--env", "envs", multiple=True, metavar="KEY=VALUE", help="An environment variable (repeatable).")
@click.option("--secret", "secret_envs", multiple=True, metavar="ENV=SECRET",
              help="Deliver a secret (a name or owner/name) as /run/secrets/<name> and the variable ENV (repeatable).")
@click.option("--timeout", help="Time limit, e.g. 30s or 5m (default: the server's for the language).")
@click.option("--network", type=click.Choice([m.value for m in NetworkMode]), help="Network mode (default: the server's, normally none).")
@click.option("--json", "as_json", is_flag=True, help="Wait, then print the execution record as JSON instead of streaming output.")
@placement_options
@_with_client
def scripts_run(client, script_id: str, version: str | None, args: tuple[str, ...], envs: tuple[str, ...],
                secret_envs: tuple[str, ...], timeout: str | None, network: str | None, as_json: bool,
                placement: dict) -> None:
    """Run a script on the server, streaming its output; exits with the
    script's exit code (124 timed out, 125 engine or server failure, 130
    cancelled, 2 refused by the server: nothing ran)."""
    script_id = script_by_reference(client, script_id)
    from ..client import ClientError

    try:
        arguments, environment = parse_pairs(args, "arg"), parse_pairs(envs, "env")
        secret_environment = parse_pairs(secret_envs, "secret")
        seconds = parse_duration(timeout) if timeout else None
    except click.BadParameter as error:
        fail(error.format_message())
    request = {"arguments": arguments or None, "environment": environment or None, "timeout": seconds,
               "network_mode": network, "version": version, "secrets": secret_environment or None, "placement": placement}
    execution_id = None
    try:
        if as_json:
            record = client.execute(script_id, wait=True, **request)
            _echo_json(record)
            end = record
        else:
            execution_id = client.execute(script_id, **request)["execution_id"]
            end = _follow(client, execution_id)
            record = client.get_execution(execution_id)
            if end is None:  # the stream closed early: trust the record
                end = record
            if record.get("error"):
                click.echo(f"stellascript: {record['error']}", err=True)
    except KeyboardInterrupt:
        if execution_id:
            try:
                client.cancel_execution(execution_id)
                click.echo(f"stellascript: cancelled execution {execution_id}", err=True)
            except ClientError as error:
                click.echo(f"stellascript: could not cancel execution {execution_id}: {error}", err=True)
        sys.exit(EXIT_CANCELLED)
    except ClientError as error:
        refused = error.status is not None and 400 <= error.status < 500 and execution_id is None
        api_fail(error, code=EXIT_BAD_INPUT if refused else EXIT_ENGINE_ERROR)
    try:
        status = ExecutionStatus(end["status"])
    except ValueError:
        fail(f"execution {end.get('id', execution_id)} ended with an unknown status {end['status']!r}", EXIT_ENGINE_ERROR)
    if not status.is_terminal:
        fail(f"the log stream ended before execution {execution_id} did (status {status.value})", EXIT_ENGINE_ERROR)
    sys.exit(exit_code_for(status, end["exit_code"]))


@click.group()
def executions() -> None:
    """Executions on a server (--url, $STELLASCRIPT_URL)."""


@executions.command("list")
@click.option("--script", "script_id", help="Only executions of this script (id, name or owner/name).")
@click.option("--status", type=click.Choice([s.value for s in ExecutionStatus]), help="Only executions in this status.")
@click.option("--limit", type=click.IntRange(1, 500), help="Page size (server default 50).")
@click.option("--offset", type=click.IntRange(0), help="Skip this many.")
@click.option("--json", "as_json", is_flag=True, help="Print the server's answer as JSON.")
@_with_client
def executions_list(client, script_id: str | None, status: str | None, limit: int | None, offset: int | None, as_json: bool) -> None:
    """Executions you may see, newest first."""
    script_id = script_by_reference(client, script_id) if script_id else None
    page = client.list_executions(script_id=script_id, status=status, limit=limit, offset=offset)
    if as_json:
        _echo_json(page)
        return
    _table([[e["id"], e["script_id"], e["script_version"], e["status"], "" if e["exit_code"] is None else str(e["exit_code"]),
             e["queued_at"], e["requested_by"]] for e in page["items"]],
           ["ID", "SCRIPT", "VERSION", "STATUS", "EXIT", "QUEUED", "BY"])
    if page["total"] > len(page["items"]):
        click.echo(f"({len(page['items'])} of {page['total']}; see --limit and --offset)", err=True)


@executions.command("show")
@click.argument("execution_id")
@_with_client
def executions_show(client, execution_id: str) -> None:
    """An execution record as JSON."""
    _echo_json(client.get_execution(execution_id))


@executions.command("logs")
@click.argument("execution_id")
@click.option("--follow/--no-follow", default=True, show_default=True, help="Stream until the execution ends, or print what is stored.")
@_with_client
def executions_logs(client, execution_id: str, follow: bool) -> None:
    """An execution's stdout and stderr (to stdout and stderr)."""
    if follow:
        try:
            _follow(client, execution_id)
        except KeyboardInterrupt:
            sys.exit(EXIT_CANCELLED)
        return
    logs = client.logs(execution_id)
    _write("stdout", logs.get("stdout") or "")
    _write("stderr", logs.get("stderr") or "")


@executions.command("cancel")
@click.argument("execution_id")
@_with_client
def executions_cancel(client, execution_id: str) -> None:
    """Cancel a queued or running execution."""
    record = client.cancel_execution(execution_id)
    if ExecutionStatus(record["status"]).is_terminal:
        click.echo(f"{execution_id} already ended: {record['status']}")
    else:
        click.echo(f"{execution_id} cancel requested (was {record['status']})")
