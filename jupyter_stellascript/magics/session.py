"""The magic itself: one session per kernel, dispatching run, params, save and connect."""

from __future__ import annotations

import hashlib

from ..client import ClientError, StellaScriptClient
from .command import CELL_NAME, Command, argument_sets, parse_command
from .connection import Connection, connect_from_environment, open_connection
from .errors import HelpShown, MagicError, complain
from .frames import _pandas, failure_note, parameters_frame, parsed_frame, runs_frame
from .scripts import describe_argument_problems, describe_client_error, own_script, resolve_script
from .waiting import ProgressLine, _cancel, _progress_bar, run_label, wait_for
from .workflows import run_workflow


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
            if command.command == "params":
                return self.params(command)
            if command.command == "workflow":
                return run_workflow(self.client(), command, cell)
            return self.run(command, cell)
        except HelpShown:
            return None
        except MagicError as error:
            complain(str(error))
        except ClientError as error:
            complain(describe_client_error(error))
        except KeyboardInterrupt:
            complain("interrupted")
        except Exception as error:  # a bug here: still one line, not a wall
            complain(f"unexpected {type(error).__name__}: {error}")
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
        existing = own_script(client, me, command.target)
        source = f"{command.target!r}"
        if existing is None:
            try:
                script = client.create_script(name=command.target, language=command.language, content=content,
                                              description=command.description, visibility=command.visibility, tags=command.tags)
            except ClientError as error:
                raise MagicError(f"not saved: {describe_client_error(error, source)}") from None
            print(f"saved {script['name']!r} {script['version']} ({script['language']}, {script['visibility']}) "
                  f"as a new script, id {script['id']}")
            return None
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

    # -- params

    def params(self, command: Command):
        _pandas()
        client = self.client()
        script = resolve_script(client, command.target)
        if command.version and command.version != script["version"]:
            script = client.get_script(script["id"], version=command.version)
        return parameters_frame(script.get("parameters") or [])

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
                           "secrets": command.secrets or None,
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
                    problems = describe_argument_problems(error)
                    if problems:  # the arguments did not fit the parameters: what to fix, in one short line
                        raise MagicError(f"{labels[index]} was not run: {problems}{also}") from None
                    what = describe_client_error(error, "the cell" if script is None else repr(name))
                    raise MagicError(f"{labels[index]} was refused: {what}{also}") from None
                execution_ids.append(accepted["execution_id"])
        except KeyboardInterrupt:
            cancelled = _cancel(client, execution_ids)
            raise MagicError(f"interrupted: cancelled {cancelled} execution(s)") from None
        bar = _progress_bar(len(runs), name) if batch and command.progress else None
        line = ProgressLine(labels[0]) if len(runs) == 1 else None
        try:
            records = wait_for(client, execution_ids, bar, line)
        finally:
            if bar is not None:
                bar.close()
        if command.parse:
            frame = parsed_frame(records, command.parse, labels, batch)
        else:
            frame = runs_frame(records, name, batch)
        note = failure_note(records, labels, command.language or (script or {}).get("language"))
        if note:
            complain(note)
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

