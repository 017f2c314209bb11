"""Prometheus metrics, named as in the design (served at .../metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from .execution.models import ExecutionResult

SCRIPTS = Counter("stella_scripts", "Scripts created", ["language", "visibility"])
SCRIPT_VERSIONS = Counter("stella_script_versions", "Script versions written", ["script_id"])
EXECUTIONS = Counter("stella_script_executions", "Executions finished", ["language", "status"])
EXECUTION_DURATION = Histogram(
    "stella_script_execution_duration_seconds", "Execution duration", ["language"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)
EXIT_CODE = Gauge("stella_script_execution_exit_code", "Exit code of the latest execution", ["language"])
COMPILE_CACHE_HITS = Counter("stella_script_compilation_cache_hits", "Compile cache hits", ["language"])
COMPILE_CACHE_MISSES = Counter("stella_script_compilation_cache_misses", "Compile cache misses", ["language"])
POOL_HITS = Counter("stella_container_pool_hits", "Executions that got a warm container", ["language"])
POOL_MISSES = Counter("stella_container_pool_misses", "Executions that had to start a container", ["language"])
EXECUTIONS_RUNNING = Gauge("stella_script_executions_running", "Executions running now")
EXECUTIONS_QUEUED = Gauge("stella_script_executions_queued", "Executions waiting in the durable queue (all executors)")


def record_execution(result: ExecutionResult) -> None:
    language = result.language
    EXECUTIONS.labels(language, result.status.value).inc()
    EXECUTION_DURATION.labels(language).observe(result.duration_ms / 1000)
    if result.exit_code is not None:
        EXIT_CODE.labels(language).set(result.exit_code)
    if result.compile_cache_hit is True:
        COMPILE_CACHE_HITS.labels(language).inc()
    elif result.compile_cache_hit is False:
        COMPILE_CACHE_MISSES.labels(language).inc()
    (POOL_HITS if result.pooled else POOL_MISSES).labels(language).inc()

# Workflows (the design's WorkflowScriptPreloader).
WORKFLOW_PRELOAD_DURATION = Histogram(
    "stella_workflow_preload_duration_seconds", "Preloading a workflow's scripts, images and warm containers", ["trigger"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
WORKFLOW_PRELOAD_SCRIPTS = Counter(
    "stella_workflow_preload_scripts", "Scripts a workflow preload prepared, by what it took", ["language", "outcome"])

# Schedules and notifications (issue 17). result: started, skipped, queued, missed, error, paused.
SCHEDULE_FIRES = Counter("stella_schedule_fires", "Schedule occurrences handled, by what became of them", ["result"])
# result: delivered, failed (after its retries).
NOTIFICATION_DELIVERIES = Counter("stella_notification_deliveries", "Notifications sent, by how it ended", ["result"])
