"""StellaScriptService: the managers one server holds, wired together.

The container engine is connected in the background: the registry answers at
once even while Podman starts or when no engine is reachable (executions then
end with a clear Error instead of the server failing to start).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from .config import StellaScript
from .units import parse_duration
from .db import open_database
from .execution.engine import ExecutionEngine
from .execution.manager import ExecutionManager
from .execution.models import NetworkMode
from .languages import LANGUAGES
from .registry import ScriptRegistry
from .registry.syntax import SyntaxCheck

log = logging.getLogger(__name__)


class EngineNotReady(RuntimeError):
    pass


class StellaScriptService:
    def __init__(self, config: StellaScript) -> None:
        config.check()
        self.config = config
        self.sessions = open_database(config.resolved_db_url())
        self._engine: ExecutionEngine | None = None
        self._engine_error: str | None = None
        self._engine_ready = threading.Event()
        self.registry = ScriptRegistry(self.sessions, syntax_checker=SyntaxCheck(self.engine))
        self.executions = ExecutionManager(
            self.sessions,
            self.registry,
            self.engine,
            max_concurrent=config.max_concurrent,
            default_network_mode=NetworkMode(config.default_network_mode),
            max_timeout_s=parse_duration(config.max_timeout),
            default_timeouts={name: parse_duration(value) for name, value in config.default_timeouts.items()},
            allow_host_network=config.allow_host_network,
        )
        recovered = self.executions.recover()
        if recovered:
            log.warning("closed %d execution(s) left unfinished by a previous server", recovered)
        threading.Thread(target=self._start_engine, name="stellascript-engine-start", daemon=True).start()

    def _start_engine(self) -> None:
        try:
            engine = ExecutionEngine(self.config.engine_settings())
            enabled = [language for name, language in LANGUAGES.items() if not self.config.disabled_languages.get(name)]
            engine.warm_up(enabled)
            self._engine = engine
        except Exception as error:  # reported by /health and by every run
            log.error("the container engine is not available: %s", error)
            self._engine_error = str(error)
        finally:
            self._engine_ready.set()

    def engine(self, wait_s: float = 120.0) -> ExecutionEngine:
        self._engine_ready.wait(wait_s)
        if self._engine is None:
            raise EngineNotReady(self._engine_error or "the container engine is still starting")
        return self._engine

    def health(self) -> dict[str, Any]:
        engine_state = "ready" if self._engine else ("starting" if not self._engine_ready.is_set() else "unavailable")
        health: dict[str, Any] = {"status": "ok" if self._engine else "degraded", "database": "ok", "engine": engine_state}
        if self._engine_error:
            health["engine_error"] = self._engine_error
        if self._engine:
            health["pool"] = self._engine.pool.idle_counts()
        return health

    def close(self) -> None:
        self.executions.shutdown()
        if self._engine is not None:
            self._engine.close()
