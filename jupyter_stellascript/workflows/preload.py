"""WorkflowScriptPreloader (the design's): get a workflow's steps ready before they run.

On save, at the start of every run and on POST workflows/{id}/preload, all
in parallel: every compiled step's script is compiled into the compile cache
(the engine's check_only compile, which also builds its dependency image),
the derived image of every distinct dependency set is built, and the warm
pool keeps containers for each language the workflow uses, up to
min(steps in that language, 3). Metrics: stella_workflow_preload_duration_seconds
and stella_workflow_preload_scripts_total{language, outcome}.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from .. import metrics
from ..errors import RegistryError
from ..execution.backend import BackendNotReady, ExecutionBackend
from ..execution.compile_cache import CompileCache
from ..execution.models import ExecutionRequest, ExecutionStatus
from ..identity import Caller
from ..languages import get_language
from ..registry.manager import ScriptRegistry
from .models import WorkflowDefinition

log = logging.getLogger(__name__)

WARM_PER_LANGUAGE = 3
PARALLEL = 4


class WorkflowScriptPreloader:
    def __init__(self, registry: ScriptRegistry, backend: ExecutionBackend) -> None:
        self.registry = registry
        self.backend = backend

    def in_background(self, trigger: str):
        """A hook for save (the answer does not wait for compiles)."""
        def hook(caller: Caller, definition: WorkflowDefinition, pins: dict) -> None:
            threading.Thread(target=self._quietly, args=(caller, definition, pins, trigger), daemon=True,
                             name="workflow-preload").start()
        return hook

    def blocking(self, trigger: str):
        """A hook for a run's start: its steps then find everything ready."""
        return lambda caller, definition, pins: self._quietly(caller, definition, pins, trigger)

    def _quietly(self, caller: Caller, definition: WorkflowDefinition, pins: dict, trigger: str) -> None:
        try:
            self.preload(caller, definition, pins, trigger)
        except BackendNotReady as error:  # the run reports it; preloading only saves time
            log.warning("workflow preload skipped: %s", error)

    def preload(self, caller: Caller, definition: WorkflowDefinition, pins: dict, trigger: str = "request",
                wait_for_pool_s: float = 0.0) -> dict:
        """What was done: {scripts: [{step, script, version, language, outcome}], warm: {language: n}, duration_ms}."""
        started = time.monotonic()
        engine = self.backend.local_engine()
        distinct = {(pin["script_id"], pin["version"]): step_id for step_id, pin in pins.items()}
        with ThreadPoolExecutor(max_workers=min(PARALLEL, max(1, len(distinct))), thread_name_prefix="preload") as pool:
            futures = [pool.submit(self._prepare, engine, caller, script_id, version, step_id)
                       for (script_id, version), step_id in distinct.items()]
            scripts = [future.result() for future in futures]
        languages = Counter(pin["language"] for pin in pins.values())
        warm = {name: min(count, WARM_PER_LANGUAGE) for name, count in languages.items()}
        for name, count in warm.items():
            engine.keep_warm_at_least(get_language(name), count)
        if wait_for_pool_s > 0:
            engine.pool.wait_until_warm(wait_for_pool_s)
        elapsed = time.monotonic() - started
        metrics.WORKFLOW_PRELOAD_DURATION.labels(trigger).observe(elapsed)
        return {"scripts": scripts, "warm": warm, "duration_ms": int(elapsed * 1000)}

    def _prepare(self, engine, caller: Caller, script_id: str, version: str, step_id: str) -> dict:
        report = {"step": step_id, "script_id": script_id, "version": version}
        try:
            script = self.registry.get(caller, script_id, version=version)
        except RegistryError as error:
            return {**report, "language": None, "outcome": "unreadable", "error": str(error)}
        language = get_language(script["language"])
        request = ExecutionRequest(language=language.name, source=script["content"], entry_point=script["entry_point"],
                                   dependencies=script.get("dependencies") or [], dependency_lock=script.get("dependency_lock"))
        report["language"] = language.name
        try:
            if language.is_compiled(request.entry_point) and _in_compile_cache(engine, request):
                outcome = "cached"  # without a container: a run's preload must not take its steps' warm ones
            elif language.is_compiled(request.entry_point):
                # The engine's compile-only check: compile cache, and the dependency image it compiles against.
                result = engine.execute(request.model_copy(update={"check_only": True}))
                if result.status is not ExecutionStatus.SUCCEEDED:
                    outcome = "failed"
                    report["error"] = result.error or (result.stderr or "").strip()[-500:]
                else:
                    outcome = "cached" if result.compile_cache_hit else "compiled"
            else:
                prepared = engine.prepare_dependencies(request)
                outcome = "nothing_to_do" if prepared is None else ("image_built" if prepared.built else "image_ready")
        except Exception as error:  # one script's trouble must not stop the others' preloading
            log.warning("preloading %s %s failed: %s", script_id, version, error)
            outcome, report["error"] = "failed", str(error)
        metrics.WORKFLOW_PRELOAD_SCRIPTS.labels(language.name, outcome).inc()
        return {**report, "outcome": outcome}


def _in_compile_cache(engine, request: ExecutionRequest) -> bool:
    """A script without dependencies whose build for the current runtime image is cached
    (one with dependencies compiles against its derived image: the check finds out)."""
    if request.dependencies or request.dependency_lock:
        return False
    language = engine.language(request.language)
    key = CompileCache.key(language.name, request.entry_point, request.source, engine.image_id(engine.image_for(language)),
                           language.compile_variant(request.source))
    return engine.compile_cache.lookup(key) is not None
