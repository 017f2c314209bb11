"""The magic's line parsed and checked into a :class:`Command`."""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass
from typing import Any

from .errors import HelpShown, MagicError

PARSE_FORMATS = ("json", "jsonl", "csv")
NETWORK_MODES = ("none", "bridge", "host")
VISIBILITIES = ("private", "team", "organization", "public")
CELL_NAME = "(cell)"


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting the kernel."""

    def error(self, message: str):  # type: ignore[override]
        usage = " ".join(self.format_usage().split())
        raise MagicError(f"{message} ({usage}; -h for help)")

    def exit(self, status: int = 0, message: str | None = None):  # type: ignore[override]
        if message:
            raise MagicError(" ".join(message.split()))
        raise HelpShown()


def build_parser() -> _Parser:
    parser = _Parser(prog="%stellascript", description="Stella Script from a notebook: run registry scripts or the cell, "
                                                       "save the cell as a script, connect to a server.")
    commands = parser.add_subparsers(dest="command", metavar="{run,params,save,connect,workflow}", parser_class=_Parser)

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
    run.add_argument("--secret", dest="secret_envs", action="append", default=[], metavar="ENV=SECRET",
                     help="deliver a secret (name or owner/name) as /run/secrets/<name> and the variable ENV (repeatable)")
    run.add_argument("--timeout", help="time limit, e.g. 30s or 5m (default: the server's for the language)")
    run.add_argument("--network", choices=NETWORK_MODES, help="network mode (default: the server's, normally none)")
    run.add_argument("--args-from", metavar="VAR",
                     help="a DataFrame (one run per row, columns are arguments) or a list of dicts in the notebook")
    run.add_argument("--parse", choices=PARSE_FORMATS, help="return the script's stdout parsed as a DataFrame")
    run.add_argument("--no-progress", action="store_true", help="no progress bar for a batch")

    params = commands.add_parser("params", help="a registry script's parameters as a DataFrame",
                                 usage="%%stellascript params NAME_OR_ID [--version V]")
    params.add_argument("target", metavar="NAME_OR_ID")
    params.add_argument("--version", help="the version (default: the latest)")

    save = commands.add_parser("save", help="save the cell as a script, or as a new version of your script of that name",
                               usage="%%%%stellascript save NAME --language L [--visibility V] [--tag T]...")
    save.add_argument("name", metavar="NAME")
    save.add_argument("--language", help="the cell's language")
    save.add_argument("--visibility", choices=VISIBILITIES, help="who may see and run it (new scripts: private)")
    save.add_argument("--tag", dest="tags", action="append", default=None, metavar="TAG", help="a tag (repeatable)")
    save.add_argument("--description", help="what the script does")
    save.add_argument("--bump", choices=("major", "minor", "patch"), default="patch",
                      help="which part of the version grows when the script exists (default: patch)")

    workflow = commands.add_parser("workflow", help="run a saved workflow (line) or the cell's YAML definition (cell magic); "
                                                    "returns a DataFrame with one row per step",
                                   usage="%%stellascript workflow run NAME_OR_ID [--input k=v]... | %%%%stellascript workflow run [--input k=v]...")
    workflow.add_argument("action", choices=("run",))
    workflow.add_argument("target", nargs="?", metavar="NAME_OR_ID", help="the workflow's name or id (line magic only)")
    workflow.add_argument("--input", dest="inputs", action="append", default=[], metavar="KEY=VALUE",
                          help="an input (JSON for non-string inputs; repeatable)")
    workflow.add_argument("--version", help="the saved workflow's version (default: the latest)")

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
    secrets: dict[str, str] | None = None
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
    inputs: dict[str, str] | None = None


def parse_pairs(values: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise MagicError(f"--{option} takes KEY=VALUE, not {value!r}")
        pairs[key] = text
    return pairs


def canonical_language(name: str) -> str:
    from ..languages import UnknownLanguage, get_language

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
    if options.command == "params":
        if is_cell:
            raise MagicError("params is a line magic: %stellascript params NAME")
        return Command("params", target=options.target, version=options.version)
    if options.command == "save":
        if not is_cell:
            raise MagicError("save is a cell magic: %%stellascript save NAME --language L, then the script below it")
        if not options.language:
            raise MagicError("the cell's language is needed: %%stellascript save NAME --language L")
        return Command("save", target=options.name, language=canonical_language(options.language),
                       visibility=options.visibility, tags=options.tags, description=options.description, bump=options.bump)
    if options.command == "workflow":
        if is_cell and options.target:
            raise MagicError(f"%%stellascript workflow run runs the cell's definition; to run {options.target!r}, "
                             f"use the line magic %stellascript workflow run {options.target}")
        if not is_cell and not options.target:
            raise MagicError("which workflow? %stellascript workflow run NAME_OR_ID (or %%stellascript workflow run "
                             "with the YAML definition in the cell)")
        return Command("workflow", target=options.target, version=options.version, inputs=parse_pairs(options.inputs, "input"))
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
        from ..units import parse_duration

        try:
            timeout = parse_duration(options.timeout)
        except ValueError as error:
            raise MagicError(f"--timeout: {error}") from None
    return Command("run", target=options.target, version=options.version, language=language, entry_point=options.entry_point,
                   arguments=parse_pairs(options.args, "arg"), environment=parse_pairs(options.envs, "env"),
                   secrets=parse_pairs(options.secret_envs, "secret"), timeout=timeout,
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


