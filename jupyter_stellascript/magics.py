"""Notebook magics: ``%load_ext jupyter_stellascript``, then

    %stellascript run NAME_OR_ID [--version V] [--arg k=v]... [--env K=V]... [--timeout 30s] [--network none|bridge|host]
    %stellascript run NAME --args-from VAR [--parse json|jsonl|csv]
    %%stellascript run --language L [--arg k=v]...        (the cell is an ad-hoc script)
    %%stellascript save NAME --language L [--visibility V] [--tag T]...
    %stellascript connect [URL --token T]

A run returns a pandas DataFrame (one row per run, or the script's stdout
parsed with ``--parse``). Everything goes through :class:`StellaScriptClient`;
nothing runs in the kernel. Whatever goes wrong is one line on stderr
("stellascript: ..."), and the magic returns None.

Where the server is: ``%stellascript connect URL``, else ``STELLASCRIPT_URL``
(with ``STELLASCRIPT_TOKEN``) in the kernel's environment, else the Jupyter
server this kernel belongs to (found with jupyter_server's
``list_running_servers()``: the one that started the kernel, else the one
whose root directory holds the kernel's working directory, else the only
one), if it has the Stella Script extension.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shlex
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .client import ClientError, ServerUnreachable, StellaScriptClient, api_url

RESULT_COLUMNS = ["name", "script_id", "version", "status", "exit_code", "duration_ms", "stdout", "stderr",
                  "started_at", "completed_at", "execution_id"]
PARSE_FORMATS = ("json", "jsonl", "csv")
NETWORK_MODES = ("none", "bridge", "host")
VISIBILITIES = ("private", "team", "organization", "public")
CELL_NAME = "(cell)"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_RUNNING = ("Queued", "Running")


class MagicError(Exception):
    """Something to tell the user in one line; never a traceback."""


class _HelpShown(Exception):
    """-h was asked for and printed."""


# -- arguments -------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting the kernel."""

    def error(self, message: str):  # type: ignore[override]
        usage = " ".join(self.format_usage().split())
        raise MagicError(f"{message} ({usage}; -h for help)")

    def exit(self, status: int = 0, message: str | None = None):  # type: ignore[override]
        if message:
            raise MagicError(" ".join(message.split()))
        raise _HelpShown()


def build_parser() -> _Parser:
    parser = _Parser(prog="%stellascript", description="Stella Script from a notebook: run registry scripts or the cell, "
                                                       "save the cell as a script, connect to a server.")
    commands = parser.add_subparsers(dest="command", metavar="{run,save,connect}", parser_class=_Parser)

    run = commands.add_parser("run", help="run a registry script (line) or the cell (cell magic); returns a DataFrame",
                              usage="%%stellascript run NAME_OR_ID [options] | %%%%stellascript run --language L [options]")
    run.add_argument("target", nargs="?", metavar="NAME_OR_ID", help="the script's name or id (line magic only)")
    run.add_argument("--version", help="the version to run (default: the latest)")
    run.add_argument("--language", help="the cell's language (cell magic only)")
    run.add_argument("--entry-point", help="the file name the cell runs as (cell magic; default: from the content)")
    run.add_argument("--arg", dest="args", action="append", default=[], metavar="KEY=VALUE",
                     help="an argument for /scripts/args.json (repeatable)")
    run.add_argument("--env", dest="envs", action="append", default=[], metavar="KEY=VALUE",
                     help="an environment variable of the run (repeatable)")
    run.add_argument("--timeout", help="time limit, e.g. 30s or 5m (default: the server's for the language)")
    run.add_argument("--network", choices=NETWORK_MODES, help="network mode (default: the server's, normally none)")
    run.add_argument("--args-from", metavar="VAR",
                     help="a DataFrame (one run per row, columns are arguments) or a list of dicts in the notebook")
    run.add_argument("--parse", choices=PARSE_FORMATS, help="return the script's stdout parsed as a DataFrame")
    run.add_argument("--no-progress", action="store_true", help="no progress bar for a batch")

    save = commands.add_parser("save", help="save the cell as a script, or as a new version of your script of that name",
                               usage="%%%%stellascript save NAME --language L [--visibility V] [--tag T]...")
    save.add_argument("name", metavar="NAME")
    save.add_argument("--language", help="the cell's language")
    save.add_argument("--visibility", choices=VISIBILITIES, help="who may see and run it (new scripts: private)")
    save.add_argument("--tag", dest="tags", action="append", default=None, metavar="TAG", help="a tag (repeatable)")
    save.add_argument("--description", help="what the script does")
    save.add_argument("--bump", choices=("major", "minor", "patch"), default="patch",
                      help="which part of the version grows when the script exists (default: patch)")

    connect = commands.add_parser("connect", help="connect to a server, or (no URL) say where this notebook is connected",
                                  usage="%%stellascript connect [URL [--token T]]")
    connect.add_argument("url", nargs="?", metavar="URL")
    connect.add_argument("--token", help="an API token (stellascript token create) or the Jupyter server's token")
    return parser


@dataclass
class Command:
    """A parsed, checked magic line."""

    command: str
    target: str | None = None
    version: str | None = None
    language: str | None = None
    entry_point: str | None = None
    arguments: dict[str, str] | None = None
    environment: dict[str, str] | None = None
    timeout: float | None = None
    network: str | None = None
    args_from: str | None = None
    parse: str | None = None
    progress: bool = True
    visibility: str | None = None
    tags: list[str] | None = None
    description: str | None = None
    bump: str = "patch"
    url: str | None = None
    token: str | None = None


def parse_pairs(values: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise MagicError(f"--{option} takes KEY=VALUE, not {value!r}")
        pairs[key] = text
    return pairs


def canonical_language(name: str) -> str:
    from .languages import UnknownLanguage, get_language

    try:
        return get_language(name).name
    except UnknownLanguage as error:
        raise MagicError(str(error)) from None


def parse_command(line: str, cell: str | None) -> Command:
    """The magic's line (and whether it has a cell) as a :class:`Command`; MagicError if it is not valid."""
    try:
        words = shlex.split(line)
    except ValueError as error:
        raise MagicError(f"cannot read the line: {error}") from None
    if not words:
        raise MagicError("what should it do? %stellascript run NAME, %%stellascript run --language L, "
                         "%%stellascript save NAME --language L, %stellascript connect (-h for help)")
    options = build_parser().parse_args(words)
    is_cell = cell is not None
    if options.command == "connect":
        if is_cell:
            raise MagicError("connect is a line magic: %stellascript connect [URL --token T]")
        if options.token and not options.url:
            raise MagicError("--token goes with a URL: %stellascript connect URL --token T")
        return Command("connect", url=options.url, token=options.token)
    if options.command == "save":
        if not is_cell:
            raise MagicError("save is a cell magic: %%stellascript save NAME --language L, then the script below it")
        if not options.language:
            raise MagicError("the cell's language is needed: %%stellascript save NAME --language L")
        return Command("save", target=options.name, language=canonical_language(options.language),
                       visibility=options.visibility, tags=options.tags, description=options.description, bump=options.bump)
    # run
    if is_cell:
        if options.target:
            raise MagicError(f"%%stellascript run runs the cell; to run the script {options.target!r}, use the line magic "
                             f"%stellascript run {options.target}")
        if not options.language:
            raise MagicError("the cell's language is needed: %%stellascript run --language python|bash|go|java|typescript|csharp")
        if options.version:
            raise MagicError("--version is for registry scripts, not for the cell")
        language = canonical_language(options.language)
    else:
        if not options.target:
            raise MagicError("which script? %stellascript run NAME_OR_ID (or %%stellascript run --language L for the cell)")
        if options.language or options.entry_point:
            raise MagicError("--language and --entry-point are for %%stellascript run cells; a registry script has its own")
        language = None
    timeout = None
    if options.timeout:
        from .units import parse_duration

        try:
            timeout = parse_duration(options.timeout)
        except ValueError as error:
            raise MagicError(f"--timeout: {error}") from None
    return Command("run", target=options.target, version=options.version, language=language, entry_point=options.entry_point,
                   arguments=parse_pairs(options.args, "arg"), environment=parse_pairs(options.envs, "env"), timeout=timeout,
                   network=options.network, args_from=options.args_from, parse=options.parse, progress=not options.no_progress)


def argument_sets(value: Any, name: str) -> list[dict[str, str]]:
    """One {argument: text} per run from a DataFrame (a row each) or a list of dicts."""
    try:
        import pandas as pd
    except ImportError:  # a list of dicts still works
        pd = None
    if pd is not None and isinstance(value, pd.DataFrame):
        rows = [{str(column): str(cell) for column, cell in zip(value.columns, row)} for row in value.itertuples(index=False, name=None)]
    elif isinstance(value, (list, tuple)) and all(isinstance(item, dict) for item in value):
        rows = [{str(key): str(cell) for key, cell in item.items()} for item in value]
    else:
        raise MagicError(f"--args-from {name}: expected a DataFrame or a list of dicts, not {type(value).__name__}")
    if not rows:
        raise MagicError(f"--args-from {name} has no rows: nothing to run")
    return rows


# -- finding the server -------------------------------------------------------------------


@dataclass
class Connection:
    client: StellaScriptClient
    source: str
    health: dict

    @property
    def user(self) -> str | None:
        caller = self.health.get("caller")
        return caller.get("name") if isinstance(caller, dict) else None

    def describe(self) -> str:
        who = f"as {self.user}" if self.user else "anonymously"
        engine = self.health.get("engine", "?")
        return f"connected to {api_url(self.client.url)} {who} (engine {engine}; {self.source})"


def open_connection(url: str, token: str | None, source: str) -> Connection:
    """A client for url whose health answers as Stella Script's; MagicError otherwise."""
    client = StellaScriptClient(url, token=token, timeout=(5.0, 300.0))
    try:
        health = client.health()
    except ServerUnreachable as error:
        raise MagicError(error.message) from None
    except ClientError as error:
        if error.status == 404:
            raise MagicError(f"{url} has no Stella Script API (is the jupyter_stellascript extension enabled there?)") from None
        raise MagicError(f"{api_url(url)}: {describe_client_error(error)}") from None
    if not isinstance(health, dict) or "engine" not in health:
        raise MagicError(f"{url} answered its health check with something that is not Stella Script's")
    if token and "caller" in health and health["caller"] is None:
        raise MagicError(f"{api_url(url)} does not accept this token (401): check STELLASCRIPT_TOKEN or --token")
    return Connection(client, source, health)


def rank_servers(servers: list[dict], cwd: str, parent_pid: int | None = None) -> list[dict]:
    """The running Jupyter servers that may be this kernel's, best first: the one
    that started it, then those whose root directory holds cwd (deepest root
    first), then, when only one server runs at all, that one."""
    here = Path(cwd).resolve()
    chosen: list[dict] = []
    if parent_pid:
        chosen += [info for info in servers if info.get("pid") == parent_pid]
    holding = []
    for info in servers:
        root = info.get("root_dir") or info.get("notebook_dir")
        if not root:
            continue
        root_path = Path(root).resolve()
        if here == root_path or root_path in here.parents:
            holding.append((len(root_path.parts), info))
    chosen += [info for _, info in sorted(holding, key=lambda pair: -pair[0]) if info not in chosen]
    if not chosen and len(servers) == 1:
        chosen = list(servers)
    return chosen


def discover() -> Connection:
    """This kernel's Jupyter server, if it has Stella Script."""
    hint = "set STELLASCRIPT_URL (and STELLASCRIPT_TOKEN) or run %stellascript connect URL --token T"
    try:
        from jupyter_server.serverapp import list_running_servers

        servers = list(list_running_servers())
    except Exception as error:  # no jupyter_server, or an unreadable runtime dir
        raise MagicError(f"not connected: cannot look for running Jupyter servers ({error}); {hint}") from None
    parent = os.environ.get("JPY_PARENT_PID")
    candidates = rank_servers(servers, os.getcwd(), int(parent) if parent and parent.isdigit() else None)
    if not candidates:
        found = f"{len(servers)} Jupyter servers run here but none serves {os.getcwd()}" if servers else "no running Jupyter server was found"
        raise MagicError(f"not connected: {found}; {hint}")
    problems = []
    for info in candidates:
        if info.get("sock"):
            problems.append(f"{info['sock']} is a Unix socket")
            continue
        urls = [info.get("url") or f"http://127.0.0.1:{info.get('port')}{info.get('base_url', '/')}"]
        if info.get("port"):
            urls.append(f"http://127.0.0.1:{info['port']}{info.get('base_url', '/')}")
        for url in dict.fromkeys(urls):
            try:
                return open_connection(url, info.get("token") or None,
                                       f"the Jupyter server of {info.get('root_dir', '?')}, pid {info.get('pid', '?')}")
            except MagicError as error:
                problems.append(str(error))
    raise MagicError(f"not connected: {problems[0] if problems else 'no usable Jupyter server'}; {hint}")


def connect_from_environment() -> Connection:
    url = os.environ.get("STELLASCRIPT_URL")
    if url:
        return open_connection(url, os.environ.get("STELLASCRIPT_TOKEN") or None, "from STELLASCRIPT_URL")
    return discover()


# -- talking to the server -------------------------------------------------------------------


def describe_client_error(error: ClientError, source: str = "the script") -> str:
    """A ClientError as one line: status, message, and each invalid field
    (content problems with their line and column)."""
    if error.status is None:
        return " ".join(error.message.split())
    text = f"{error.status} {' '.join(error.message.split())}" if not error.errors else f"{error.status} invalid request"
    problems = []
    for problem in error.errors:
        field, line, column = problem.get("field", "request"), problem.get("line"), problem.get("column")
        where = field
        if line is not None:
            where = f"{source} line {line}" + (f":{column}" if column is not None else "")
        problems.append(f"{where}: {' '.join(str(problem.get('message', '')).split())}")
    if problems:
        text += ": " + "; ".join(problems)
    if error.status == 401:
        text += " (set STELLASCRIPT_TOKEN or run %stellascript connect URL --token T)"
    return text


def scripts_named(client: StellaScriptClient, name: str) -> list[dict]:
    """Every script the caller may see whose name is exactly name."""
    matches, offset = [], 0
    while True:
        page = client.list_scripts(q=name, limit=500, offset=offset)
        matches += [script for script in page["items"] if script["name"] == name]
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return matches


def resolve_script(client: StellaScriptClient, target: str) -> dict:
    """A script's metadata from its id or its (unambiguous) name."""
    if _UUID.match(target):
        try:
            return client.get_script(target)
        except ClientError as error:
            if error.status == 404:
                raise MagicError(f"no script {target} (or you may not see it)") from None
            raise
    matches = scripts_named(client, target)
    if not matches:
        raise MagicError(f"no script named {target!r} that you can see (%stellascript connect shows who you are)")
    if len(matches) > 1:
        listed = ", ".join(f"{s['id']} by {s['created_by']}" for s in matches[:5])
        raise MagicError(f"{len(matches)} scripts are named {target!r} ({listed}): run one by its id")
    return matches[0]


def run_label(index: int, total: int, arguments: dict[str, str] | None, name: str) -> str:
    if total == 1 and not arguments:
        return "the cell" if name == CELL_NAME else f"{name!r}"
    shown = ", ".join(f"{k}={v}" for k, v in (arguments or {}).items())
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    head = f"run {index + 1} of {total}" if total > 1 else ("the cell" if name == CELL_NAME else repr(name))
    return f"{head} ({shown})" if shown else head


def wait_for(client: StellaScriptClient, execution_ids: list[str], bar=None) -> list[dict]:
    """The finished records, in the order given. Interrupting cancels what has not finished."""
    records: dict[str, dict] = {}
    pending = list(execution_ids)
    delay = 0.05
    try:
        while pending:
            still = []
            for execution_id in pending:
                record = client.get_execution(execution_id)
                if record["status"] in _RUNNING:
                    still.append(execution_id)
                else:
                    records[execution_id] = record
                    if bar is not None:
                        bar.update(1)
            pending = still
            if pending:
                time.sleep(delay)
                delay = min(delay * 1.5, 1.0)
    except KeyboardInterrupt:
        cancelled = _cancel(client, pending)
        raise MagicError(f"interrupted: cancelled {cancelled} unfinished execution(s)") from None
    return [records[execution_id] for execution_id in execution_ids]


def _cancel(client: StellaScriptClient, execution_ids: list[str]) -> int:
    cancelled = 0
    for execution_id in execution_ids:
        try:
            client.cancel_execution(execution_id)
            cancelled += 1
        except ClientError:
            pass
    return cancelled


def _progress_bar(total: int, name: str):
    """A tqdm.auto bar (a widget with ipywidgets, else text); None without tqdm."""
    try:
        with warnings.catch_warnings():
            # tqdm.auto warns once when ipywidgets is missing, then draws text.
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=name, unit="run", leave=True)


# -- DataFrames ------------------------------------------------------------------------------


def _pandas():
    try:
        import pandas
    except ImportError:
        raise MagicError("the magics need pandas: pip install 'jupyter_stellascript[notebook]'") from None
    return pandas


def result_row(record: dict, name: str) -> dict:
    return {
        "name": name,
        "script_id": record.get("script_id"),
        "version": record.get("script_version"),
        "status": record.get("status"),
        "exit_code": record.get("exit_code"),
        "duration_ms": record.get("duration_ms"),
        "stdout": record.get("stdout") or "",
        "stderr": record.get("stderr") or "",
        "started_at": record.get("started_at"),
        "completed_at": record.get("completed_at"),
        "execution_id": record.get("execution_id") or record.get("id"),
    }


def _argument_columns(argument_sets: list[dict[str, str]], taken: list[str]) -> dict[str, str]:
    """{argument: column name}: the argument's own name unless a column has it already."""
    keys = list(dict.fromkeys(key for arguments in argument_sets for key in arguments))
    return {key: (f"arg_{key}" if key in taken else key) for key in keys}


def runs_frame(records: list[dict], name: str, argument_sets: list[dict[str, str]] | None = None):
    """One row per run, in order: the argument columns (for a batch), then RESULT_COLUMNS."""
    pd = _pandas()
    frame = pd.DataFrame([result_row(record, name) for record in records], columns=RESULT_COLUMNS)
    frame["exit_code"] = frame["exit_code"].astype("Int64")
    frame["duration_ms"] = frame["duration_ms"].astype("Int64")
    for column in ("started_at", "completed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    if argument_sets:
        columns = _argument_columns(argument_sets, RESULT_COLUMNS)
        for position, (key, column) in enumerate(columns.items()):
            frame.insert(position, column, [arguments.get(key) for arguments in argument_sets])
    return frame


def _frame_of(data: Any):
    pd = _pandas()
    if isinstance(data, list):
        if data and all(isinstance(item, dict) for item in data):
            return pd.json_normalize(data)
        return pd.DataFrame({"value": data})
    if isinstance(data, dict):
        values = list(data.values())
        if values and all(isinstance(v, list) for v in values) and len({len(v) for v in values}) == 1:
            return pd.DataFrame(data)  # {"column": [values...]}
        return pd.json_normalize([data])
    return pd.DataFrame({"value": [data]})


def parse_output(text: str, fmt: str, label: str):
    """A run's stdout as a DataFrame; MagicError naming the run if it is not fmt."""
    pd = _pandas()
    if fmt == "json":
        if not text.strip():
            raise MagicError(f"{label}: stdout is empty, not JSON")
        try:
            return _frame_of(json.loads(text))
        except json.JSONDecodeError as error:
            raise MagicError(f"{label}: stdout is not JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None
    if fmt == "jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise MagicError(f"{label}: stdout line {number} is not JSON ({error.msg}, column {error.colno})") from None
        return _frame_of(rows) if rows else pd.DataFrame()
    if fmt == "csv":
        if not text.strip():
            raise MagicError(f"{label}: stdout is empty, not CSV")
        try:
            return pd.read_csv(io.StringIO(text))
        except (pd.errors.ParserError, ValueError, UnicodeError) as error:
            raise MagicError(f"{label}: stdout is not CSV ({' '.join(str(error).split())})") from None
    raise MagicError(f"--parse takes {', '.join(PARSE_FORMATS)}, not {fmt!r}")


def parsed_frame(records: list[dict], fmt: str, labels: list[str], argument_sets: list[dict[str, str]] | None = None):
    """Every run's stdout parsed, concatenated, each with its run's arguments in front."""
    pd = _pandas()
    frames = []
    for index, record in enumerate(records):
        label = labels[index]
        if record.get("status") != "Succeeded":
            label += f" (ended {record.get('status')}" + (f", exit code {record['exit_code']})" if record.get("exit_code") is not None else ")")
        if record.get("stdout_truncated"):
            label += " (its stdout was cut at the server's output cap)"
        frames.append(parse_output(record.get("stdout") or "", fmt, label))
    if argument_sets:
        # One name per argument across every run's output.
        columns = _argument_columns(argument_sets, list(dict.fromkeys(str(c) for frame in frames for c in frame.columns)))
        for frame, arguments in zip(frames, argument_sets):
            for position, (key, column) in enumerate(columns.items()):
                frame.insert(position, column, arguments.get(key))
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def failure_note(records: list[dict], labels: list[str], language: str | None = None) -> str | None:
    """One line about runs that did not succeed (None when all did)."""
    failed = [(index, label, record) for index, (label, record) in enumerate(zip(labels, records))
              if record.get("status") != "Succeeded"]
    if not failed:
        return None
    if len(records) > 1:
        rows = ", ".join(str(index) for index, _, _ in failed)
        return f"{len(failed)} of {len(records)} runs did not succeed (rows {rows}; see status, exit_code and stderr)"
    _, label, record = failed[0]
    text = f"{label} ended {record.get('status')}"
    if record.get("exit_code") is not None:
        text += f" with exit code {record['exit_code']}"
    detail = record.get("error")
    if record.get("termination_reason") == "compile_error" and language:
        from .languages import get_language

        diagnostics = get_language(language).parse_diagnostics(record.get("stderr") or "")
        if diagnostics:
            detail = "; ".join(f"line {d['line']}" + (f":{d['column']}" if d.get("column") else "") + f": {d['message']}"
                               for d in diagnostics[:3])
            text = f"{label} does not compile"
    if not detail:
        lines = [line for line in (record.get("stderr") or "").splitlines() if line.strip()]
        detail = lines[-1] if lines else None
    if detail:
        detail = " ".join(str(detail).split())
        text += ": " + (detail if len(detail) <= 300 else detail[:297] + "...")
    return text


# -- the magic ---------------------------------------------------------------------------------


def _complain(message: str) -> None:
    print(f"stellascript: {' '.join(message.split())}", file=sys.stderr, flush=True)


class StellaScriptSession:
    """The magic's state: where it is connected. Usable without IPython."""

    def __init__(self, namespace: dict | None = None) -> None:
        self.namespace = namespace if namespace is not None else {}
        self.connection: Connection | None = None

    # -- entry point

    def __call__(self, line: str, cell: str | None = None):
        try:
            command = parse_command(line, cell)
            if command.command == "connect":
                return self.connect(command)
            if command.command == "save":
                return self.save(command, cell or "")
            return self.run(command, cell)
        except _HelpShown:
            return None
        except MagicError as error:
            _complain(str(error))
        except ClientError as error:
            _complain(describe_client_error(error))
        except KeyboardInterrupt:
            _complain("interrupted")
        except Exception as error:  # a bug here: still one line, not a wall
            _complain(f"unexpected {type(error).__name__}: {error}")
        return None

    def client(self) -> StellaScriptClient:
        if self.connection is None:
            self.connection = connect_from_environment()
        return self.connection.client

    # -- connect

    def connect(self, command: Command) -> None:
        if command.url:
            self.connection = open_connection(command.url, command.token, "%stellascript connect")
        elif self.connection is None:
            self.connection = connect_from_environment()
        print(self.connection.describe())

    # -- save

    def save(self, command: Command, cell: str) -> None:
        content = _script_text(cell)
        client = self.client()
        me = self.connection.user if self.connection else None
        if not me:
            raise MagicError("saving a script needs an authenticated user: set STELLASCRIPT_TOKEN or "
                             "%stellascript connect URL --token T")
        mine = [script for script in scripts_named(client, command.target) if script.get("created_by") == me]
        if len(mine) > 1:
            raise MagicError(f"you have {len(mine)} scripts named {command.target!r} "
                             f"({', '.join(s['id'] for s in mine)}): rename one, or update it by id with the CLI")
        source = f"{command.target!r}"
        if not mine:
            try:
                script = client.create_script(name=command.target, language=command.language, content=content,
                                              description=command.description, visibility=command.visibility, tags=command.tags)
            except ClientError as error:
                raise MagicError(f"not saved: {describe_client_error(error, source)}") from None
            print(f"saved {script['name']!r} {script['version']} ({script['language']}, {script['visibility']}) "
                  f"as a new script, id {script['id']}")
            return None
        existing = mine[0]
        if existing["language"] != command.language:
            raise MagicError(f"your script {command.target!r} is {existing['language']}, not {command.language}: "
                             "a script keeps its language (save under another name)")
        changes = {key: value for key, value in (("visibility", command.visibility), ("tags", command.tags),
                                                  ("description", command.description)) if value is not None}
        unchanged = hashlib.sha256(content.encode()).hexdigest() == existing["content_sha256"]
        if unchanged and all(existing.get(key) == value for key, value in changes.items()):
            print(f"{existing['name']!r} is unchanged at {existing['version']} ({existing['language']}, "
                  f"{existing['visibility']}), id {existing['id']}")
            return None
        try:
            script = client.update_script(existing["id"], content=content, version_bump=command.bump,
                                          expected_version=existing["latest_version"], **changes)
        except ClientError as error:
            raise MagicError(f"not saved: {describe_client_error(error, source)}") from None
        print(f"saved {script['name']!r} {script['version']} ({script['language']}, {script['visibility']}), "
              f"a new {command.bump} version of {script['id']} (was {existing['latest_version']})")
        return None

    # -- run

    def run(self, command: Command, cell: str | None):
        _pandas()  # say so before anything runs
        batch = self._argument_sets(command)
        content = _script_text(cell) if cell is not None else None
        client = self.client()
        if cell is not None:
            name, script = CELL_NAME, None
        else:
            script = resolve_script(client, command.target)
            name = script["name"]
        runs = batch or [command.arguments or {}]
        labels = [run_label(index, len(runs), arguments if batch else None, name) for index, arguments in enumerate(runs)]
        execution_ids: list[str] = []
        try:
            for index, arguments in enumerate(runs):
                request = {"arguments": arguments or None, "environment": command.environment or None,
                           "timeout": command.timeout, "network_mode": command.network}
                try:
                    if script is None:
                        accepted = client.run_adhoc(language=command.language, content=content,
                                                    entry_point=command.entry_point, **request)
                    else:
                        accepted = client.execute(script["id"], version=command.version, **request)
                except ClientError as error:
                    cancelled = _cancel(client, execution_ids)
                    also = f" (cancelled the {cancelled} run(s) already submitted)" if cancelled else ""
                    what = describe_client_error(error, "the cell" if script is None else repr(name))
                    raise MagicError(f"{labels[index]} was refused: {what}{also}") from None
                execution_ids.append(accepted["execution_id"])
        except KeyboardInterrupt:
            cancelled = _cancel(client, execution_ids)
            raise MagicError(f"interrupted: cancelled {cancelled} execution(s)") from None
        bar = _progress_bar(len(runs), name) if batch and command.progress else None
        try:
            records = wait_for(client, execution_ids, bar)
        finally:
            if bar is not None:
                bar.close()
        if command.parse:
            frame = parsed_frame(records, command.parse, labels, batch)
        else:
            frame = runs_frame(records, name, batch)
        note = failure_note(records, labels, command.language or (script or {}).get("language"))
        if note:
            _complain(note)
        return frame

    def _argument_sets(self, command: Command) -> list[dict[str, str]] | None:
        if not command.args_from:
            return None
        if command.args_from not in self.namespace:
            raise MagicError(f"--args-from {command.args_from}: there is no such variable in the notebook")
        rows = argument_sets(self.namespace[command.args_from], command.args_from)
        # --arg values are common to every run; a row's own values win.
        return [{**(command.arguments or {}), **row} for row in rows]


def _script_text(cell: str) -> str:
    if not cell.strip():
        raise MagicError("the cell is empty: write the script below the %%stellascript line")
    return cell if cell.endswith("\n") else cell + "\n"


def load_ipython_extension(ipython) -> None:
    from IPython.core.magic import Magics, line_cell_magic, magics_class

    @magics_class
    class StellaScriptMagics(Magics):
        def __init__(self, shell) -> None:
            super().__init__(shell)
            self.session = StellaScriptSession(shell.user_ns)

        @line_cell_magic
        def stellascript(self, line: str, cell: str | None = None):
            """Stella Script: %stellascript run NAME, %%stellascript run --language L,
            %%stellascript save NAME --language L, %stellascript connect [URL --token T].
            %stellascript -h (or run -h, save -h, connect -h) for the options."""
            return self.session(line, cell)

    ipython.register_magics(StellaScriptMagics)


__all__ = ["Command", "MagicError", "RESULT_COLUMNS", "StellaScriptSession", "argument_sets", "load_ipython_extension",
           "parse_command", "parse_output", "parsed_frame", "rank_servers", "runs_frame"]
