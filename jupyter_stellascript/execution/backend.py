"""Execution backends: what runs one ExecutionRequest for the server.

The execution manager queues, records and streams runs; a backend runs them.
``c.StellaScript.backend_class`` chooses one (as jupyter-scheduler's
``scheduler_class`` does): LocalBackend, the default, runs each request in a
container of this host's engine; a queue-backed one may hand it to workers.
A backend is built with the server's configuration and its RunPolicy, and
owns its own readiness: runs it cannot take yet wait, runs it can never take
end Error with the reason.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from .engine import ExecutionEngine, Progress
from .models import ExecutionRequest, ExecutionResult
from .output import LiveOutput
from .policy import RunPolicy
from ..targets.models import TargetDescription
from ..targets.selection import TargetUnavailable

if TYPE_CHECKING:
    from ..config import StellaScript

log = logging.getLogger(__name__)

ENGINE_START_WAIT_S = 120.0


class BackendNotReady(RuntimeError):
    """The backend cannot run anything (yet); the message says why."""


class ExecutionBackend(ABC):
    def __init__(self, config: "StellaScript", policy: RunPolicy) -> None:
        self.config = config
        self.policy = policy

    def start(self) -> None:
        """Begin connecting; must return at once (the server answers meanwhile)."""

    @abstractmethod
    def execute(
        self,
        request: ExecutionRequest,
        on_output: LiveOutput | None = None,
        cancelled: threading.Event | None = None,
        on_progress: Progress | None = None,
    ) -> ExecutionResult:
        """Run one request to its end, whatever the script does. Raises
        InvalidRequest for a request it refuses, BackendNotReady when it
        cannot run anything."""

    @abstractmethod
    def health(self) -> dict[str, Any]:
        """{engine: ready|starting|unavailable, engine_error?, pool?} for /health."""

    def local_engine(self, wait_s: float = ENGINE_START_WAIT_S) -> ExecutionEngine:
        """This host's engine, for what needs one here (resolving dependencies)."""
        raise BackendNotReady(f"{type(self).__name__} has no container engine on this host")

    def describe_target(self, reference: str) -> TargetDescription:
        """The running target container ``reference`` names (TargetUnavailable
        naming it otherwise), checked before a run against it is queued."""
        raise TargetUnavailable(f"{type(self).__name__} cannot run scripts against target containers "
                                f"(asked for {reference!r})")

    def close(self) -> None:
        """Stop; called once when the server stops."""


class LocalBackend(ExecutionBackend):
    """Runs each request in a sandboxed container of this host's engine.

    The engine is connected (and its pools warmed) in the background: Podman
    may take a while to start, and no engine at all must not stop the server.
    """

    def __init__(self, config: "StellaScript", policy: RunPolicy) -> None:
        super().__init__(config, policy)
        self._engine: ExecutionEngine | None = None
        self._error: str | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._start_engine, name="stellascript-engine-start", daemon=True).start()

    def _start_engine(self) -> None:
        from ..languages import LANGUAGES

        try:
            engine = ExecutionEngine(self.config.engine_settings(self.policy))
            engine.warm_up([language for name, language in LANGUAGES.items() if not self.config.disabled_languages.get(name)])
            self._engine = engine
        except Exception as error:  # reported by /health and by every run
            log.error("the container engine is not available: %s", error)
            self._error = str(error)
        finally:
            self._ready.set()

    def local_engine(self, wait_s: float = ENGINE_START_WAIT_S) -> ExecutionEngine:
        self._ready.wait(wait_s)
        if self._engine is None:
            raise BackendNotReady(self._error or "the container engine is still starting")
        return self._engine

    def execute(self, request, on_output=None, cancelled=None, on_progress=None) -> ExecutionResult:
        return self.local_engine().execute(request, on_output=on_output, cancelled=cancelled, on_progress=on_progress)

    def describe_target(self, reference: str) -> TargetDescription:
        return self.local_engine(wait_s=0).target(reference)

    def health(self) -> dict[str, Any]:
        state = "ready" if self._engine else ("starting" if not self._ready.is_set() else "unavailable")
        health: dict[str, Any] = {"engine": state}
        if self._error:
            health["engine_error"] = self._error
        if self._engine:
            health["pool"] = self._engine.pool.idle_counts()
        return health

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
