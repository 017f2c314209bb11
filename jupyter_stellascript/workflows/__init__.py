"""Workflows: multi-step runs of registry scripts over a DAG (issue 12).

models.py (the definition and its JSON Schema), expressions.py (``${{ }}``),
validation.py, store.py (versions), runner.py and manager.py (runs),
handlers.py (REST).
"""

from __future__ import annotations

import logging

from ..execution.manager import ExecutionManager
from ..registry.manager import ScriptRegistry
from .manager import OnStart, WorkflowRuns
from .store import OnSaved, WorkflowStore

log = logging.getLogger(__name__)


class Workflows:
    """The workflow store and the runs of one server."""

    def __init__(self, registry: ScriptRegistry, executions: ExecutionManager,
                 on_saved: OnSaved | None = None, on_start: OnStart | None = None) -> None:
        self.store = WorkflowStore(registry, on_saved=on_saved)
        self.runs = WorkflowRuns(self.store, executions, on_start=on_start)
        closed = self.runs.recover()
        if closed:
            log.warning("closed %d workflow run(s) left unfinished by a previous server", closed)

    def shutdown(self) -> None:
        self.runs.shutdown()
