"""Prometheus metrics of the queue, per worker, on the server's /metrics.

Workers have no HTTP endpoint of their own: each beats its counters into its
``queue_workers`` row, and the server reads them at scrape time, so one scrape
of any server shows every live executor (labels: worker id and outcome, never
a user or an output).
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from .. import metrics
from .workers import WorkerRegistry

_COUNTS = ("claimed", "Succeeded", "Failed", "TimedOut", "Cancelled", "Error", "engine_error", "error")


class _WorkerCollector(Collector):
    def __init__(self) -> None:
        self.source: WorkerRegistry | None = None

    def collect(self):
        if self.source is None:
            return
        running = GaugeMetricFamily("stella_queue_worker_running", "Executions a worker runs now", labels=["worker"])
        concurrency = GaugeMetricFamily("stella_queue_worker_concurrency", "Executions a worker runs at most", labels=["worker"])
        claim_p95 = GaugeMetricFamily("stella_queue_worker_claim_to_start_p95_ms", "Claim to engine start, p95", labels=["worker"])
        outcomes = CounterMetricFamily("stella_queue_worker_executions", "Executions a worker claimed, and how they ended",
                                       labels=["worker", "outcome"])
        for row in self.source.listing():
            running.add_metric([row["id"]], row["running"])
            concurrency.add_metric([row["id"]], row["concurrency"])
            if "claim_to_start_ms_p95" in row["metrics"]:
                claim_p95.add_metric([row["id"]], row["metrics"]["claim_to_start_ms_p95"])
            for outcome in _COUNTS:
                if outcome in row["metrics"]:
                    outcomes.add_metric([row["id"], outcome], row["metrics"][outcome])
        yield from (running, concurrency, claim_p95, outcomes)


_COLLECTOR = _WorkerCollector()
REGISTRY.register(_COLLECTOR)


def publish(workers: WorkerRegistry, queued: Callable[[], int]) -> None:
    """This server's queue is what /metrics reports (queued: rows waiting, all executors together)."""
    _COLLECTOR.source = workers
    metrics.EXECUTIONS_QUEUED.set_function(queued)
