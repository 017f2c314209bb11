"""Formatting a script with its language's formatter (``Language.formatter``,
see formatters.py), run on the host.

A script the formatter cannot parse is a :class:`FormatError` carrying the
formatter's own message (with line numbers); a formatter that is not
installed, or a language that has none, a :class:`FormatterMissing` naming
the language and what to install.
"""

from __future__ import annotations

import subprocess

from ..execution.fields import MAX_SOURCE_BYTES  # one size limit for every script text
from ..languages import get_language

FORMAT_TIMEOUT_S = 30.0


class FormatError(ValueError):
    """The formatter refused the script (usually a syntax error)."""


class InvalidEntryPoint(ValueError):
    """The file name given for the script is not one its language accepts."""


class FormatterMissing(RuntimeError):
    """The language's formatter is not installed on this host, or it has none."""


def format_source(language: str, source: str, entry_point: str | None = None) -> str:
    """``source`` formatted by the language's formatter. Raises UnknownLanguage,
    InvalidEntryPoint, FormatterMissing, or FormatError with the
    formatter's message."""
    spec = get_language(language)
    if len(source.encode()) > MAX_SOURCE_BYTES:
        raise FormatError(f"the script is {len(source.encode())} bytes; formatting accepts at most {MAX_SOURCE_BYTES}")
    if entry_point is not None:
        problems = spec.validate_entry_point(entry_point)
        if problems:
            raise InvalidEntryPoint("; ".join(problems))
    formatter = spec.formatter
    if formatter is None:
        raise FormatterMissing(f"cannot format {spec.display_name}: it has no formatter ({spec.formatter_missing})")
    file_name = entry_point or spec.default_entry_point(source)
    command = formatter.command(file_name)
    if command is None:
        raise FormatterMissing(f"cannot format {spec.display_name}: {formatter.name} is not installed; install {formatter.install_hint}")
    try:
        result = subprocess.run(command, input=source, capture_output=True, text=True, timeout=FORMAT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise FormatError(f"{formatter.name} did not finish within {FORMAT_TIMEOUT_S:.0f} s") from None
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip() or f"exit code {result.returncode}"
        raise FormatError(f"{formatter.name} could not format the script: {message}")
    return result.stdout
