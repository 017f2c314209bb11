"""The ``stellascript`` command: a thin shell over the library.

Exit codes of ``stellascript run``: the script's own exit code; 124 when it
timed out; 125 when the engine failed (no engine, missing image...); 130
when interrupted; 2 for bad input (nothing was run).
"""

from __future__ import annotations

import json
import logging
import re
import signal
import sys
import threading
from pathlib import Path

import click

from .execution.models import ExecutionRequest, ExecutionResult, ExecutionStatus, NetworkMode

EXIT_BAD_INPUT = 2
EXIT_TIMEOUT = 124
EXIT_ENGINE_ERROR = 125
EXIT_CANCELLED = 130

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", re.I)
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg])?(?:i?b)?\s*$", re.I)
_SIZE_UNITS = {None: 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}


def parse_duration(text: str) -> float:
    """'30s', '5m', '1.5h', '500ms' or plain seconds."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise click.BadParameter(f"{text!r} is not a duration like 30s, 5m or 500ms")
    return float(match.group(1)) * _DURATION_UNITS[(match.group(2) or "").lower() or None]


def parse_size(text: str) -> int:
    """'256m', '1g', '512MiB' or plain bytes."""
    match = _SIZE.match(text)
    if not match:
        raise click.BadParameter(f"{text!r} is not a size like 256m or 1g")
    unit = match.group(2).lower() if match.group(2) else None
    return int(float(match.group(1)) * _SIZE_UNITS[unit])


def parse_pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=f"--{what}")
        pairs[key] = item
    return pairs


def fail(message: str, code: int = EXIT_BAD_INPUT) -> "NoReturn":  # noqa: F821
    click.echo(f"stellascript: {message}", err=True)
    sys.exit(code)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what the engine does.")
def main(verbose: bool) -> None:
    """Stella Script: run scripts in six languages in hardened containers."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--arg", "args", multiple=True, metavar="KEY=VALUE", help="An argument for /scripts/args.json (repeatable).")
@click.option("--env", "envs", multiple=True, metavar="KEY=VALUE", help="An environment variable (repeatable).")
@click.option("--timeout", help="Time limit, e.g. 30s or 5m (default: the language's).")
@click.option("--memory", help="Memory limit, e.g. 256m or 1g (default: the language's).")
@click.option("--cpus", type=float, help="CPU quota in cores, e.g. 0.5.")
@click.option("--network", type=click.Choice([m.value for m in NetworkMode]), default="none", show_default=True)
@click.option("--language", help="The language, when the extension does not tell it.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object instead of streaming output.")
def run(file: Path, args: tuple[str, ...], envs: tuple[str, ...], timeout: str | None, memory: str | None,
        cpus: float | None, network: str, language: str | None, as_json: bool) -> None:
    """Run FILE in its language's runtime container."""
    from .execution.engine import EngineSettings, ExecutionEngine, InvalidRequest
    from .execution.container_engine import EngineUnavailable
    from .languages import UnknownLanguage, get_language, language_for_file

    try:
        chosen = get_language(language) if language else language_for_file(file)
    except UnknownLanguage as error:
        fail(str(error))
    try:
        raw = file.read_bytes()
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror or error}")
    if b"\0" in raw:
        fail(f"{file} contains NUL bytes; scripts must be text")
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        fail(f"{file} is not UTF-8 text ({error.reason} at byte {error.start})")
    try:
        request = ExecutionRequest(
            language=chosen.name,
            source=source,
            entry_point=file.name if file.suffix in chosen.extensions else None,
            arguments=parse_pairs(args, "arg"),
            environment=parse_pairs(envs, "env"),
            timeout_s=parse_duration(timeout) if timeout else None,
            memory_bytes=parse_size(memory) if memory else None,
            cpus=cpus,
            network_mode=NetworkMode(network),
        )
    except click.BadParameter as error:
        fail(error.format_message())

    # The person at the terminal owns this host: host networking is theirs to use.
    settings = EngineSettings(pool_enabled=False, allow_host_network=True)
    try:
        engine = ExecutionEngine(settings)
    except EngineUnavailable as error:
        fail(str(error), EXIT_ENGINE_ERROR)
    cancelled = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: cancelled.set())
    signal.signal(signal.SIGTERM, lambda *_: cancelled.set())

    def stream(name: str, data: bytes) -> None:
        target = sys.stdout.buffer if name == "stdout" else sys.stderr.buffer
        target.write(data)
        target.flush()

    try:
        result = engine.execute(request, on_output=None if as_json else stream, cancelled=cancelled)
    except InvalidRequest as error:
        fail(str(error))
    finally:
        engine.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif result.error:
        click.echo(f"stellascript: {result.error}", err=True)
    sys.exit(exit_code_for(result))


def exit_code_for(result: ExecutionResult) -> int:
    if result.status is ExecutionStatus.TIMED_OUT:
        return EXIT_TIMEOUT
    if result.status is ExecutionStatus.CANCELLED:
        return EXIT_CANCELLED
    if result.status is ExecutionStatus.ERROR or result.exit_code is None:
        return EXIT_ENGINE_ERROR
    return result.exit_code


@main.group()
def runtimes() -> None:
    """The runtime images, one per language."""


@runtimes.command("build")
@click.argument("languages", nargs=-1)
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
def runtimes_build(languages: tuple[str, ...], force: bool) -> None:
    """Build the runtime images that are missing or stale (all by default)."""
    from .execution.container_engine import EngineUnavailable, connect
    from .execution.images import ImageBuildFailed, RuntimeImageBuilder
    from .languages import LANGUAGES, UnknownLanguage, get_language

    try:
        names = [get_language(name).name for name in languages] or list(LANGUAGES)
    except UnknownLanguage as error:
        fail(str(error))
    try:
        builder = RuntimeImageBuilder(connect(), progress=lambda message: click.echo(message, err=True))
        built = builder.build(names, force=force)
    except EngineUnavailable as error:
        fail(str(error), EXIT_ENGINE_ERROR)
    except ImageBuildFailed as error:
        fail(f"image build failed: {error}", 1)
    click.echo(f"{len(built)} image(s) built; {', '.join(names)} ready", err=True)


@runtimes.command("list")
def runtimes_list() -> None:
    """Show each language's runtime image and whether it is current."""
    from .execution.container_engine import EngineUnavailable, connect
    from .execution.images import RuntimeImageBuilder
    from .languages import LANGUAGES

    try:
        builder = RuntimeImageBuilder(connect())
    except EngineUnavailable as error:
        fail(str(error), EXIT_ENGINE_ERROR)
    for language in LANGUAGES.values():
        state = "current" if builder.is_current(language.name) else "missing or stale"
        click.echo(f"{language.name:<11} {language.image:<32} {state}")


@main.command()
@click.option("--port", type=int, default=8890, show_default=True)
@click.option("--ip", default="127.0.0.1", show_default=True)
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), help="Data directory (default: $STELLASCRIPT_DATA).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="A jupyter_server_config.py with c.StellaScript settings.")
def serve(port: int, ip: str, data: Path | None, config_file: Path | None) -> None:
    """Run the REST API headless (no JupyterLab UI), with API-token identities."""
    from .headless import serve_headless

    _use_data_dir(data)
    serve_headless(port=port, ip=ip, config_file=config_file)


@main.group()
def token() -> None:
    """API tokens for headless servers."""


@token.command("create")
@click.option("--user", required=True, help="The user the token acts as.")
@click.option("--team", "teams", multiple=True, help="A team of the user (repeatable).")
@click.option("--admin", is_flag=True, help="The user may change and delete any script.")
@click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path), help="Data directory (default: $STELLASCRIPT_DATA).")
@click.option("--db-url", help="Database URL, when not the data directory's SQLite.")
def token_create(user: str, teams: tuple[str, ...], admin: bool, data: Path | None, db_url: str | None) -> None:
    """Create a token and print it (it is stored only as a hash)."""
    from .auth import create_token
    from .config import StellaScript
    from .db import open_database

    _use_data_dir(data)
    config = StellaScript()
    if db_url:
        config.db_url = db_url
    click.echo(create_token(open_database(config.resolved_db_url()), user, list(teams), admin))


def _use_data_dir(data: Path | None) -> None:
    import os

    from .paths import DATA_ENV

    if data is not None:
        data.mkdir(parents=True, exist_ok=True)
        os.environ[DATA_ENV] = str(data.resolve())


if __name__ == "__main__":
    main()
