"""Syntax checks of scripts with the toolchain that runs them.

Compiled languages are checked by compiling in their runtime container (the
artifact lands in the compile cache, so the first run is a cache hit);
interpreted ones by their own parser (``python3`` compile(), ``bash -n``).
A diagnostic with ``"severity": "warning"`` did not fail the compile (a
TypeScript type error unless type_check is "error"): the save goes ahead and
its answer lists it under ``warnings``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..execution.models import ExecutionRequest, ExecutionResult, ExecutionStatus, TerminationReason
from ..languages import get_language

CHECK_TIMEOUT_S = 120.0


class Runner(Protocol):
    """An ExecutionEngine or an ExecutionBackend."""

    def execute(self, request: ExecutionRequest) -> ExecutionResult: ...


class SyntaxCheck:
    def __init__(self, engine_provider: Callable[[], Runner]) -> None:
        self.engine_provider = engine_provider

    def __call__(self, language: str, entry_point: str, source: str, dependencies: list | None = None) -> list[dict]:
        engine = self.engine_provider()
        result = engine.execute(ExecutionRequest(
            language=language, source=source, entry_point=entry_point, timeout_s=CHECK_TIMEOUT_S, check_only=True,
            dependencies=[d for d in dependencies or [] if isinstance(d, dict)],
        ))
        if result.termination_reason is TerminationReason.COMPILE_ERROR:
            diagnostics = get_language(language).parse_diagnostics(result.stderr)
            return diagnostics or [{"line": None, "column": None, "message": result.stderr.strip()[:2000]}]
        if result.status is not ExecutionStatus.SUCCEEDED:
            # The check itself could not run: say so rather than accept unchecked code.
            return [{"line": None, "column": None, "message": f"the syntax check could not run: {result.error or result.status.value}"}]
        # What compiled with warnings (TypeScript's type errors by default) is saved, and the warnings say why it may misbehave.
        return [{**diagnostic, "severity": "warning"} for diagnostic in get_language(language).parse_diagnostics(result.compile_warnings)]
