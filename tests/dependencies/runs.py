"""One run of a script with dependencies, as every ecosystem's tests make it."""

from __future__ import annotations

from functools import partial
from typing import Any

from jupyter_stellascript.execution.engine import ExecutionEngine
from jupyter_stellascript.execution.models import ExecutionRequest, ExecutionResult


def run_with_dependencies(engine: ExecutionEngine, source: str, declared: list[dict] | None = None,
                          lock: dict | None = None, *, language: str, timeout_s: float = 120,
                          **request: Any) -> ExecutionResult:
    return engine.execute(ExecutionRequest(language=language, source=source, dependencies=declared or [],
                                           dependency_lock=lock, timeout_s=timeout_s, **request))


def runner(language: str, timeout_s: float = 120) -> partial:
    """``run(engine, source, declared=None, lock=None, **request)`` for one language."""
    return partial(run_with_dependencies, language=language, timeout_s=timeout_s)
