"""StellaScriptService: the managers one server holds, wired together.

The execution backend (c.StellaScript.backend_class) starts in the
background: the registry answers at once even while Podman starts or when no
engine is reachable (executions then end with a clear Error instead of the
server failing to start).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .config import StellaScript
from .db import open_database
from .execution.backend import ExecutionBackend
from .execution.engine import ExecutionEngine
from .execution.compile_cache import CompileCache
from .execution.manager import ExecutionManager
from .gc import GarbageCollector, PeriodicCollection
from .registry import ScriptRegistry
from .registry.syntax import SyntaxCheck
from .samples import SampleCatalog, SampleLibrary
from .notifications import NotificationSettingsStore, Notifier
from .notifications.sweep import NotificationSweep
from .triggered_runs import TriggeredRuns
from .schedules import ScheduleFiring, Schedules
from .units import parse_duration
from .webhooks import Webhooks
from .secrets.crypto import open_cipher
from .secrets.manager import SecretManager
from .units import parse_duration
from .workflows import Workflows

log = logging.getLogger(__name__)


class StellaScriptService:
    def __init__(self, config: StellaScript) -> None:
        config.check()
        self.config = config
        self.policy = config.run_policy()
        self.sessions = open_database(config.resolved_db_url())
        # Before anything runs: a missing or wrong key stops start-up (SecretKeyError).
        self.secrets = SecretManager(self.sessions, open_cipher(self.sessions, *config.resolved_secret_key_file()))
        self.backend: ExecutionBackend = config.backend_class(config, self.policy)
        self.registry = ScriptRegistry(self.sessions, syntax_checker=SyntaxCheck(lambda: self.backend))
        self.executions = ExecutionManager(self.sessions, self.registry, self.backend, self.policy,
                                           max_concurrent=config.max_concurrent, secrets=self.secrets,
                                           execute_locally=config.execute_locally,
                                           placement_timeout_s=parse_duration(config.placement_timeout))
        recovered = self.executions.recover()
        if recovered:
            log.warning("closed %d execution(s) left unfinished by a previous server", recovered)
        samples = Path(config.samples_dir) if config.samples_dir else None
        self.samples = SampleLibrary(self.registry, catalog=lambda: SampleCatalog(samples))
        self.workflows = Workflows(self.registry, self.executions, self.backend)
        self.triggered_runs = TriggeredRuns(self.registry, self.executions, self.workflows)
        self.firing = ScheduleFiring(self.sessions, self.triggered_runs, self.executions.instance,
                                     grace_s=parse_duration(config.schedule_misfire_grace))
        self.schedules = Schedules(self.sessions, self.triggered_runs, self.firing)
        self.webhooks = Webhooks(self.sessions, self.triggered_runs)
        self.notification_settings = NotificationSettingsStore(self.sessions, self.triggered_runs)
        self.notifier = Notifier(self.sessions, self.triggered_runs, self.secrets,
                                 config.notification_sender_class(parse_duration(config.notification_timeout)),
                                 retries=config.notification_retries, backoff_s=parse_duration(config.notification_backoff),
                                 lease_s=parse_duration(config.notification_lease))
        self.executions.watchers.append(self.notifier.watch_execution)
        self.workflows.runs.watchers.append(self.notifier.watch_workflow_run)
        self.notification_sweep = NotificationSweep(self.sessions, self.notifier)
        self._close_fires_of_gone_servers()
        self.workflows.take_over_orphaned_runs()
        self.backend.start()
        self.gc = self._start_gc()
        if config.schedules_enabled:
            self.firing.start()
        self.notification_sweep.start()

    def _close_fires_of_gone_servers(self) -> None:
        """Occurrences a stopped server was starting block no later run (now, and with every heartbeat)."""
        instances = self.executions.instances
        self.firing.recover(instances.live_ids())
        earlier = instances.on_beat

        def on_beat() -> None:
            if earlier is not None:
                earlier()
            self.firing.recover(instances.live_ids())

        instances.on_beat = on_beat

    def _start_gc(self) -> PeriodicCollection | None:
        """Collect the compile cache and derived images every gc_interval."""
        interval = self.config.gc_interval_s()
        if interval is None:
            return None
        collector = GarbageCollector(self.config.gc_limits(), CompileCache(self.config.compile_cache_path()),
                                     derived=lambda: self.backend.local_engine(wait_s=0).derived_images)
        collection = PeriodicCollection(collector, interval)
        collection.start()
        return collection

    def engine(self, wait_s: float = 120.0) -> ExecutionEngine:
        """This host's container engine (dependency resolution needs one)."""
        return self.backend.local_engine(wait_s)

    def health(self) -> dict[str, Any]:
        backend = self.backend.health()
        return {"status": "ok" if backend.get("engine") == "ready" else "degraded", "database": "ok", **backend}

    def close(self) -> None:
        self.firing.close()
        if self.gc is not None:
            self.gc.close()
        self.workflows.shutdown()
        self.executions.shutdown()
        self.notification_sweep.close()
        self.notifier.shutdown()
        self.backend.close()
