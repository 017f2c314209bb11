"""What the ``stellascript`` commands share: exit codes, parsing, one-line failures."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from ..execution.models import ExecutionStatus, TerminationReason
from ..paths import DATA_ENV
from ..units import parse_duration as _parse_duration
from ..units import parse_size as _parse_size

EXIT_API_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_TIMEOUT = 124
EXIT_ENGINE_ERROR = 125
EXIT_CANCELLED = 130


def parse_duration(text: str) -> float:
    try:
        return _parse_duration(text)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def parse_size(text: str) -> int:
    try:
        return _parse_size(text)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def parse_pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=f"--{what}")
        pairs[key] = item
    return pairs


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    click.echo(f"stellascript: {message}", err=True)
    sys.exit(code)


def read_script_file(file: Path) -> str:
    try:
        raw = file.read_bytes()
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror or error}")
    if b"\0" in raw:
        fail(f"{file} contains NUL bytes; scripts must be text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        fail(f"{file} is not UTF-8 text ({error.reason} at byte {error.start})")


def exit_code_for(status: ExecutionStatus, exit_code: int | None, reason: TerminationReason | None = None) -> int:
    """The CLI's exit code for an execution that ended this way."""
    if status is ExecutionStatus.TIMED_OUT:
        return EXIT_TIMEOUT
    if status is ExecutionStatus.CANCELLED:
        return EXIT_CANCELLED
    if reason in (TerminationReason.DEPENDENCY_ERROR, TerminationReason.TARGET_UNAVAILABLE):
        return EXIT_BAD_INPUT
    if status is ExecutionStatus.ERROR or exit_code is None:
        return EXIT_ENGINE_ERROR
    return exit_code


def use_data_dir(data: Path | None) -> None:
    if data is not None:
        data.mkdir(parents=True, exist_ok=True)
        os.environ[DATA_ENV] = str(data.resolve())
