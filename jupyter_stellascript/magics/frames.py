"""Finished runs as pandas DataFrames, and one line about the runs that failed."""

from __future__ import annotations

import io
import json
from typing import Any

from .command import PARSE_FORMATS
from .errors import MagicError

# What a reader looks at first (how it ended, how long it took, what it printed), then the rest.
RESULT_COLUMNS = ["status", "exit_code", "duration_ms", "stdout", "name", "script_id", "version", "stderr",
                  "started_at", "completed_at", "execution_id"]
# DataFrames of runs carry this in .attrs: the notebook shows their output readably (readable_html).
RUNS_MARK = "stellascript_runs"
_OUTPUT_COLUMNS = ("stdout", "stderr")


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


def add_outputs_columns(frame, outputs: list[dict | None]) -> None:
    """An ``outputs.<key>`` column per key any row's outputs has (None where a row has not it)."""
    keys = list(dict.fromkeys(key for published in outputs for key in (published or {})))
    for key in keys:
        frame[f"outputs.{key}"] = [(published or {}).get(key) for published in outputs]


def runs_frame(records: list[dict], name: str, argument_sets: list[dict[str, str]] | None = None):
    """One row per run, in order: the argument columns (for a batch), then
    RESULT_COLUMNS, then an ``outputs.<key>`` column per published key."""
    pd = _pandas()
    frame = pd.DataFrame([result_row(record, name) for record in records], columns=RESULT_COLUMNS)
    frame["exit_code"] = frame["exit_code"].astype("Int64")
    frame["duration_ms"] = frame["duration_ms"].astype("Int64")
    for column in ("started_at", "completed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    add_outputs_columns(frame, [record.get("outputs") for record in records])
    if argument_sets:
        columns = _argument_columns(argument_sets, RESULT_COLUMNS)
        for position, (key, column) in enumerate(columns.items()):
            frame.insert(position, column, [arguments.get(key) for arguments in argument_sets])
    frame.attrs[RUNS_MARK] = True
    return frame


def readable_html(frame) -> str | None:
    """The notebook's HTML for a DataFrame: for runs, stdout and stderr as
    the script wrote them (line breaks kept, not cut), the timestamps
    short; any other DataFrame as pandas shows it."""
    if not frame.attrs.get(RUNS_MARK):
        return frame._repr_html_()
    shown = [column for column in _OUTPUT_COLUMNS if column in frame.columns]
    styler = frame.style.set_properties(subset=shown, **{"white-space": "pre-wrap", "text-align": "left",
                                                            "font-family": "monospace", "vertical-align": "top"})
    styler = styler.format(na_rep="—").format(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S"), subset=[
        column for column in ("started_at", "completed_at") if column in frame.columns], na_rep="—")
    return styler.to_html()


def register_readable_frames(ipython) -> None:
    """Show run DataFrames readably in this IPython (every other DataFrame as before)."""
    pd = _pandas()
    ipython.display_formatter.formatters["text/html"].for_type(pd.DataFrame, readable_html)


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
        from ..languages import get_language

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




PARAMETER_COLUMNS = ["name", "type", "required", "default", "description", "allowed"]


def parameters_frame(parameters: list[dict[str, Any]]):
    """One row per declared parameter; ``allowed`` says its values, pattern or range."""
    pd = _pandas()
    rows = [{"name": p["name"], "type": p.get("type", "string"), "required": bool(p.get("required")),
             "default": p.get("default"), "description": p.get("description", ""), "allowed": _allowed(p)}
            for p in parameters]
    return pd.DataFrame(rows, columns=PARAMETER_COLUMNS)


def _allowed(parameter: dict[str, Any]) -> str:
    if parameter.get("values"):
        return ", ".join(parameter["values"])
    if parameter.get("pattern"):
        return f"matches {parameter['pattern']}"
    low, high = parameter.get("minimum"), parameter.get("maximum")
    if low is not None or high is not None:
        return f"{'' if low is None else f'{low:g} '}..{'' if high is None else f' {high:g}'}".strip()
    return "a secret's name" if parameter.get("type") == "secret" else ""
