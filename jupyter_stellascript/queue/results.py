"""Storing what a claimed run came to, wherever it ran.

The executor that ran it writes the result, closes its attempt and removes
its queue row in one transaction: a record is never terminal while its row
still says it runs, nor the other way round.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import update

from .. import metrics
from ..db import Execution, ScriptVersion
from ..execution.models import ExecutionResult
from .manager import ExecutionQueue

log = logging.getLogger(__name__)


def store_outcome(queue: ExecutionQueue, execution_id: str, outcome: str, **values: Any) -> None:
    with queue.sessions() as session, session.begin():
        session.execute(update(Execution).where(Execution.id == execution_id).values(**values))
        queue.finish(session, execution_id, outcome)


def store_result(queue: ExecutionQueue, execution_id: str, result: ExecutionResult, stored_log: dict,
                 worker_id: str) -> None:
    metrics.record_execution(result)
    log.info(json.dumps({
        "event": "execution_finished", "execution_id": execution_id, "language": result.language,
        "status": result.status.value, "exit_code": result.exit_code, "duration_ms": result.duration_ms,
        "pooled": result.pooled, "compile_cache_hit": result.compile_cache_hit, "worker_id": worker_id,
        "termination_reason": result.termination_reason.value if result.termination_reason else None,
    }))
    store_outcome(
        queue, execution_id, result.status.value,
        **stored_log,
        status=result.status.value,
        exit_code=result.exit_code,
        stdout=result.stdout,
        stderr=result.stderr,
        stdout_truncated=result.stdout_truncated,
        stderr_truncated=result.stderr_truncated,
        compile_cache_hit=result.compile_cache_hit,
        peak_memory_bytes=result.peak_memory_bytes,
        termination_reason=result.termination_reason.value if result.termination_reason else None,
        error=result.error,
        image=result.image,
        image_id=result.image_id,
        dependency_lock_sha256=result.dependency_lock_sha256,
        limits=result.limits.to_dict() if result.limits else None,
        started_at=result.started_at,
        completed_at=result.completed_at,
        duration_ms=result.duration_ms,
        outputs=result.outputs,
        **({"target": result.target} if result.target else {}),
    )


def save_lock(queue: ExecutionQueue, execution_id: str, lock: dict) -> None:
    """Save the lock with the script version the first time it is resolved
    (a concurrent first run may have saved one already: that one stays)."""
    with queue.sessions() as session, session.begin():
        execution = session.get(Execution, execution_id)
        if execution is None or execution.script_id is None:
            return
        session.execute(
            update(ScriptVersion)
            .where(ScriptVersion.script_id == execution.script_id, ScriptVersion.version == execution.script_version)
            .where(ScriptVersion.dependency_lock.is_(None))
            .values(dependency_lock=lock)
        )
