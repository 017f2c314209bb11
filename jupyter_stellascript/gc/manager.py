"""One collection of both stores, and the server's periodic one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from docker.errors import DockerException

from ..dependencies.derived import DerivedImages
from ..execution.backend import BackendNotReady
from ..execution.container_engine import EngineUnavailable
from ..execution.compile_cache import CompileCache
from .cache import collect_cache
from .images import STORE as IMAGES, collect_images
from .models import GcLimits, StoreReport

log = logging.getLogger(__name__)

# Where the derived images come from: the engine may not be reachable (yet);
# the callable then raises with the reason.
DerivedSource = Callable[[], DerivedImages]


class GarbageCollector:
    def __init__(self, limits: GcLimits, cache: CompileCache, derived: DerivedSource | None = None,
                 labels: dict[str, str] | None = None) -> None:
        self.limits = limits
        self.cache = cache
        self.derived = derived
        self.labels = dict(labels or {})  # only derived images with these labels too (tests)
        self._running = threading.Lock()  # one collection at a time

    def collect(self, dry_run: bool = False) -> list[StoreReport]:
        with self._running:
            reports = [collect_cache(self.cache, self.limits.cache, grace_s=self.limits.grace_s, dry_run=dry_run)]
            if self.derived is not None:
                reports.append(self._collect_images(dry_run))
            return reports

    def _collect_images(self, dry_run: bool) -> StoreReport:
        try:
            derived = self.derived()
        except (BackendNotReady, EngineUnavailable, DockerException) as error:  # the cache was still collected
            report = StoreReport(IMAGES, dry_run)
            report.error = f"no container engine: {error}"
            return report
        return collect_images(derived, self.limits.images, grace_s=self.limits.grace_s, dry_run=dry_run,
                              labels=self.labels)


class PeriodicCollection:
    """Collects every ``interval_s`` in a daemon thread until closed."""

    def __init__(self, collector: GarbageCollector, interval_s: float) -> None:
        self.collector = collector
        self.interval_s = interval_s
        self.collections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="stellascript-gc", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                reports = self.collector.collect()
            except Exception:  # one failed collection must not end collecting; logged with its traceback
                log.exception("garbage collection failed")
                continue
            self.collections += 1
            for report in reports:
                if report.evicted or report.error:
                    log.info("gc %s: %d removed (%d bytes freed), %d kept in use%s", report.store,
                             len(report.evicted), report.freed_bytes, len(report.in_use),
                             f"; {report.error}" if report.error else "")

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
