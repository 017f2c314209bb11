"""How a run ended, from what the agent reported: its status, exit code and
termination reason, and the notes on stderr that say why (memory limit, a
full disk, outputs that are not a JSON object)."""

from __future__ import annotations

import signal

from .agent import AgentReport
from .models import ExecutionResult, ExecutionStatus, ResourceLimits, TerminationReason
from .output import OutputCollector

MIB = 1024 * 1024
# An OOM kill that the cgroup counters cannot confirm is inferred from SIGKILL
# with peak memory this close to the limit.
OOM_INFERENCE_RATIO = 0.9


class RunState:
    """What one execution accumulates while it runs."""

    def __init__(self, collector: OutputCollector) -> None:
        self.collector = collector
        self.compile_cache_hit: bool | None = None
        self.report: AgentReport | None = None
        self.compile_failed: AgentReport | None = None
        self.outputs: dict | None = None
        self.invalid_outputs: str | None = None
        self.compile_warnings = ""


def settle(result: ExecutionResult, state: RunState, limits: ResourceLimits) -> None:
    """The result's status, exit code and reason from what the agent reported (and notes on stderr saying why)."""
    if state.compile_failed is not None:
        report = state.compile_failed
        result.status = ExecutionStatus.FAILED
        result.exit_code = report.exit_code
        result.termination_reason = TerminationReason.COMPILE_ERROR
        if report.start_error:
            result.error = f"the compiler could not start: {report.start_error}"
        elif report.full_filesystems:
            result.termination_reason = TerminationReason.DISK_LIMIT
            state.collector.note("stderr", disk_note(report.full_filesystems, limits))
        return
    report = state.report
    assert report is not None
    if report.start_error:
        result.status = ExecutionStatus.ERROR
        result.error = f"the runtime could not start: {report.start_error}"
        return
    result.exit_code = report.exit_code
    result.peak_memory_bytes = report.max_rss_bytes or None
    killed = report.signal == signal.SIGKILL
    near_limit = report.max_rss_bytes >= OOM_INFERENCE_RATIO * limits.memory_bytes
    # The OOM counter covers the whole container: a child killed for memory
    # whose script still exits 0 leaves a successful run.
    failed = report.exit_code != 0
    if (report.oom_kills > 0 and failed) or (killed and report.oom_kills < 0 and near_limit):
        result.status = ExecutionStatus.FAILED
        result.termination_reason = TerminationReason.MEMORY_LIMIT
        state.collector.note("stderr", f"\n[stellascript] killed: the script exceeded its memory limit of {limits.memory_bytes // MIB} MiB\n")
    elif failed and report.full_filesystems:
        # The script got ENOSPC (or EDQUOT) from a full /work or /tmp and failed.
        result.status = ExecutionStatus.FAILED
        result.termination_reason = TerminationReason.DISK_LIMIT
        state.collector.note("stderr", disk_note(report.full_filesystems, limits))
    elif state.invalid_outputs is not None:
        result.status, result.termination_reason = ExecutionStatus.FAILED, TerminationReason.INVALID_OUTPUTS
        result.error = state.invalid_outputs
        state.collector.note("stderr", f"\n[stellascript] {state.invalid_outputs}\n")
    else:
        result.status = ExecutionStatus.SUCCEEDED if report.exit_code == 0 else ExecutionStatus.FAILED


def disk_note(full_filesystems: list[str], limits: ResourceLimits) -> str:
    sizes = {"/work": limits.work_bytes, "/tmp": limits.tmpfs_bytes}
    named = ", ".join(f"{path} ({sizes.get(path, 0) // MIB} MiB)" for path in full_filesystems)
    return f"\n[stellascript] the script ran out of disk space: {named} filled up\n"
