"""Taking over the workflow runs of a server that is gone (issue 14).

A run belongs to the server that drives it (``workflow_runs.server_instance``).
When that server dies (kill -9, a crash, a lost host) its runs are not closed:
the first live server to notice — at its own start, or with any heartbeat when
servers share a PostgreSQL database — claims each with a compare-and-set on
the owner, so exactly one server resumes it, and drives it on from its stored
step states. An attempt that was in flight is followed, not started again: its
execution is durable in the queue (queued, running on a worker, or ended while
nobody watched), and the queue decides what became of one whose executor died
with the server (``executor_lost``, or queued again under retry_on_executor_loss).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import Execution
from .models import WorkflowDefinition
from .state import RunStatus, StepState, StepStatus
from .tables import WorkflowRun

ACTIVE = [status.value for status in RunStatus if not status.is_terminal]


def orphaned_runs(session: Session, live_instances: set[str]) -> list[tuple[str, str]]:
    """(run id, owner) of every unfinished run whose server is not alive."""
    rows = session.execute(select(WorkflowRun.id, WorkflowRun.server_instance)
                           .where(WorkflowRun.status.in_(ACTIVE), WorkflowRun.server_instance.not_in(live_instances)))
    return [(run_id, owner) for run_id, owner in rows]


def claim(sessions: sessionmaker, run_id: str, gone_owner: str, new_owner: str) -> bool:
    """Make ``new_owner`` the run's owner if ``gone_owner`` still is: of servers
    noticing the same dead peer at once, exactly one wins."""
    with sessions() as session, session.begin():
        result = session.execute(update(WorkflowRun)
                                 .where(WorkflowRun.id == run_id, WorkflowRun.server_instance == gone_owner,
                                        WorkflowRun.status.in_(ACTIVE))
                                 .values(server_instance=new_owner))
        return result.rowcount == 1


def resumable_steps(session: Session, run: WorkflowRun, definition: WorkflowDefinition) -> dict[str, StepState]:
    """The run's steps as a driver resumes them. Ended steps stay as they are;
    a step that was running is Pending again with its attempts so far, which
    the driver follows on from. For a step without for_each the attempts are
    read from the executions themselves: one submitted just before the server
    died, whose id the run had not stored yet, is followed, not run twice."""
    steps = {sid: StepState.from_json(data) for sid, data in run.steps.items()}
    for step in definition.steps:
        state = steps[step.id]
        if state.status != StepStatus.RUNNING.value:
            continue
        state.status = StepStatus.PENDING.value
        if step.for_each is None:
            submitted = list(session.scalars(select(Execution.id)
                                             .where(Execution.workflow_run_id == run.id, Execution.step_id == step.id)
                                             .order_by(Execution.queued_at, Execution.id)))
            if len(submitted) > len(state.execution_ids):
                state.execution_ids = submitted
                state.attempts = max(state.attempts, len(submitted))
    return steps
