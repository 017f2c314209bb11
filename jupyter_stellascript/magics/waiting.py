"""Waiting for submitted runs: labels, polling, cancelling, a progress bar."""

from __future__ import annotations

import time
import warnings

from ..client import ClientError, StellaScriptClient
from .command import CELL_NAME
from .errors import MagicError

_RUNNING = ("Queued", "Running")


def run_label(index: int, total: int, arguments: dict[str, str] | None, name: str) -> str:
    if total == 1 and not arguments:
        return "the cell" if name == CELL_NAME else f"{name!r}"
    shown = ", ".join(f"{k}={v}" for k, v in (arguments or {}).items())
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    head = f"run {index + 1} of {total}" if total > 1 else ("the cell" if name == CELL_NAME else repr(name))
    return f"{head} ({shown})" if shown else head


def wait_for(client: StellaScriptClient, execution_ids: list[str], bar=None, line: "ProgressLine | None" = None) -> list[dict]:
    """The finished records, in the order given. Interrupting cancels what has not finished.
    ``line`` (one run) shows its status and elapsed time while it goes on."""
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
                    if line is not None:
                        line.show(record)
                else:
                    records[execution_id] = record
                    if bar is not None:
                        bar.update(1)
                    if line is not None:
                        line.finish(record)
            pending = still
            if pending:
                time.sleep(delay)
                delay = min(delay * 1.5, 1.0)
    except KeyboardInterrupt:
        cancelled = _cancel(client, pending)
        raise MagicError(f"interrupted: cancelled {cancelled} unfinished execution(s)") from None
    return [records[execution_id] for execution_id in execution_ids]


class ProgressLine:
    """One line in the cell's output, updated in place while a run goes on:
    ``'report' Running… 0:07``, then how it ended. Shown only after the run
    has taken a second (a quick run leaves no line behind but its result)."""

    SHOW_AFTER_S = 1.0

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.handle = None

    def show(self, record: dict) -> None:
        spent = time.monotonic() - self.started
        if spent < self.SHOW_AFTER_S:
            return
        minutes, seconds = divmod(int(spent), 60)
        self._display(f"{self.label} {record['status']}… {minutes}:{seconds:02d}")

    def finish(self, record: dict) -> None:
        if self.handle is not None:
            took = "" if record.get("duration_ms") is None else f" in {record['duration_ms'] / 1000:.1f} s"
            self._display(f"{self.label} {record['status']}{took}")

    def _display(self, text: str) -> None:
        from IPython.display import display

        if self.handle is None:
            self.handle = display({"text/plain": text}, raw=True, display_id=True)
        else:
            self.handle.update({"text/plain": text}, raw=True)


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


