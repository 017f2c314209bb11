"""``stellascript run FILE``: one script, here and now, in its runtime container.

Exit codes: the script's own; 124 timed out; 125 the engine failed (no
engine, missing image...); 130 interrupted; 2 bad input (nothing ran),
including dependencies that cannot be resolved.

Dependencies come from the file itself (Python: a PEP 723 ``# /// script``
block) and from ``--dep``; they are resolved from the sources that
STELLASCRIPT_PYPI_SOURCE (etc.) name, with progress on stderr.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

import click

from ..execution.models import ExecutionRequest, NetworkMode
from .common import EXIT_BAD_INPUT, EXIT_ENGINE_ERROR, exit_code_for, fail, parse_duration, parse_pairs, parse_size, read_script_file


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--arg", "args", multiple=True, metavar="KEY=VALUE", help="An argument for /scripts/args.json (repeatable).")
@click.option("--env", "envs", multiple=True, metavar="KEY=VALUE", help="An environment variable (repeatable).")
@click.option("--timeout", help="Time limit, e.g. 30s or 5m (default: the language's).")
@click.option("--memory", help="Memory limit, e.g. 256m or 1g (default: the language's).")
@click.option("--cpus", type=float, help="CPU quota in cores, e.g. 0.5.")
@click.option("--disk", help="Size of /work, e.g. 64m (a tmpfs charged to the memory; at most half of it).")
@click.option("--network", type=click.Choice([m.value for m in NetworkMode]), default="none", show_default=True)
@click.option("--target", metavar="CONTAINER", help="A target container (name or id, labelled as a target): the run "
              "joins its network namespace (localhost is the target) and reads /scripts/target.json.")
@click.option("--language", help="The language, when the extension does not tell it.")
@click.option("--dep", "deps", multiple=True, metavar="REQUIREMENT",
              help="A dependency, in the ecosystem's syntax, e.g. 'attrs>=23' (repeatable; adds to the file's own).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object instead of streaming output.")
def run(file: Path, args: tuple[str, ...], envs: tuple[str, ...], timeout: str | None, memory: str | None,
        cpus: float | None, disk: str | None, network: str, target: str | None, language: str | None, deps: tuple[str, ...],
        as_json: bool) -> None:
    """Run FILE in its language's runtime container."""
    from ..execution.engine import EngineSettings, ExecutionEngine
    from ..execution.fields import InvalidRequest
    from ..execution.policy import RunPolicy
    from ..execution.container_engine import EngineUnavailable
    from ..languages import UnknownLanguage, get_language, language_for_file

    try:
        chosen = get_language(language) if language else language_for_file(file)
    except UnknownLanguage as error:
        fail(str(error))
    source = read_script_file(file)
    arguments = _validated_arguments(file, source, chosen.line_comment, args)
    try:
        request = ExecutionRequest(
            language=chosen.name,
            source=source,
            entry_point=file.name if file.suffix in chosen.extensions else None,
            arguments=arguments,
            environment=parse_pairs(envs, "env"),
            timeout_s=parse_duration(timeout) if timeout else None,
            memory_bytes=parse_size(memory) if memory else None,
            cpus=cpus,
            disk_bytes=parse_size(disk) if disk else None,
            # With a target the network is the target's: --network other than none is refused.
            network_mode=NetworkMode(network) if network != "none" or not target else None,
            target=target,
            dependencies=[{"name": dep, "version": "", "scope": "runtime"} for dep in deps],
        )
    except click.BadParameter as error:
        fail(error.format_message())
    except InvalidRequest as error:  # the same rules as a REST request's
        fail(str(error))

    # The person at the terminal owns this host: host networking is theirs to
    # use, and no server maximum bounds timeout, memory or CPUs.
    settings = EngineSettings(pool_enabled=False, policy=RunPolicy(allow_host_network=True))
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

    def progress(line: str) -> None:
        click.echo(f"stellascript: {line}", err=True)

    try:
        result = engine.execute(request, on_output=None if as_json else stream, cancelled=cancelled, on_progress=progress)
    except InvalidRequest as error:  # what the policy refuses
        fail(str(error))
    finally:
        engine.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif result.error:
        click.echo(f"stellascript: {result.error}", err=True)
    sys.exit(exit_code_for(result.status, result.exit_code, result.termination_reason))


def _validated_arguments(file: Path, source: str, line_comment: str, args: tuple[str, ...]) -> dict[str, str]:
    """--arg pairs checked against the file's inline parameter block, as a
    server checks a run: each problem on its own line, exit 2, nothing runs."""
    from ..errors import ValidationFailed
    from ..parameters import effective_parameters, validate_arguments

    try:
        pairs = parse_pairs(args, "arg")
    except click.BadParameter as error:
        fail(error.format_message())
    try:
        return validate_arguments(effective_parameters([], source, line_comment), pairs)
    except ValidationFailed as error:
        click.echo(f"stellascript: {file}: not run: {len(error.errors)} problem(s) with the arguments", err=True)
        for problem in error.errors:
            line = problem.get("line")
            where = f"{file}:{line}" if line is not None else f"--arg {problem['field'].removeprefix('arguments.')}"
            click.echo(f"  {where}: {problem['message']}", err=True)
        sys.exit(EXIT_BAD_INPUT)
