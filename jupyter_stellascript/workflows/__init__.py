"""Workflows: multi-step runs of registry scripts over a DAG (issue 12).

models.py (the definition and its JSON Schema), expressions.py (``${{ }}``),
validation.py, store.py (versions), runner.py and manager.py (runs),
handlers.py (REST).
"""

from __future__ import annotations

import logging

from ..execution.backend import ExecutionBackend
from ..execution.manager import ExecutionManager
from ..identity import Caller
from ..registry.manager import ScriptRegistry
from .manager import WorkflowRuns
from .models import WorkflowDefinition
from .preload import WorkflowScriptPreloader
from .store import WorkflowStore

log = logging.getLogger(__name__)


class Workflows:
    """The workflow store, the runs and the preloader of one server: saving preloads in the
    background, a run preloads before its first step."""

    def __init__(self, registry: ScriptRegistry, executions: ExecutionManager, backend: ExecutionBackend) -> None:
        self.preloader = WorkflowScriptPreloader(registry, backend)
        self.store = WorkflowStore(registry, on_saved=self.preloader.in_background("save"))
        self.runs = WorkflowRuns(self.store, executions, on_start=self.preloader.blocking("run"))

    def take_over_orphaned_runs(self) -> None:
        """Resume the runs a stopped server left (now, once everything that watches
        runs is wired), and those of a peer that dies later, with every heartbeat,
        right after the peer's executions are settled."""
        resumed = self.runs.recover()
        if resumed:
            log.warning("resumed %d workflow run(s) left unfinished by a previous server", resumed)
        instances = self.runs.executions.instances
        settles_executions = instances.on_beat

        def on_beat() -> None:
            if settles_executions is not None:
                settles_executions()
            self.runs.recover()

        instances.on_beat = on_beat

    def preload(self, caller: Caller, workflow_id: str, version: str | None = None) -> dict:
        """POST workflows/{id}/preload: everything ready, warm containers included, when it answers."""
        saved = self.store.get(caller, workflow_id, version=version)
        definition = WorkflowDefinition.model_validate(saved["definition"])
        return {"workflow_id": saved["id"], "version": saved["version"],
                **self.preloader.preload(caller, definition, saved["pins"], "request", wait_for_pool_s=60.0)}

    def shutdown(self) -> None:
        self.runs.shutdown()
