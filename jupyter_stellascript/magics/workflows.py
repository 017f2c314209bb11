"""``%stellascript workflow run``: a saved workflow (line) or the cell's YAML
definition (cell), as a DataFrame with one row per step."""

from __future__ import annotations

from .command import Command
from .errors import MagicError, complain
from .frames import _pandas, add_outputs_columns

STEP_COLUMNS = ["id", "status", "attempts", "duration_ms", "exit_code", "error", "execution_ids", "started_at", "completed_at"]


def run_workflow(client, command: Command, cell: str | None):
    from ..client import ClientError
    from ..workflows.client import WorkflowClient, read_definition, typed_inputs
    from .scripts import describe_client_error

    _pandas()
    workflows = WorkflowClient(client)
    try:
        if cell is not None:
            try:
                definition = read_definition(cell)
            except ValueError as error:
                raise MagicError(f"the cell is not a workflow definition: {' '.join(str(error).split())}") from None
            run = workflows.run_definition(cell, typed_inputs(definition.get("inputs") or {}, command.inputs or {}), wait=True)
        else:
            saved = workflows.resolve(command.target)
            run = workflows.run(saved["id"], typed_inputs(saved["definition"].get("inputs") or {}, command.inputs or {}),
                                version=command.version, wait=True)
    except ClientError as error:
        raise MagicError(f"the workflow was refused: {describe_client_error(error, 'the cell')}") from None
    if run["status"] != "Succeeded":
        failed = [step["id"] for step in run["steps"] if step["status"] in ("Failed", "Cancelled")]
        complain(f"workflow run {run['id']} ended {run['status']}" + (f" (steps {', '.join(failed)})" if failed else "")
                 + (f": {run['error']}" if run.get("error") else ""))
    return steps_frame(run)


def steps_frame(run: dict):
    """One row per step, in the definition's order: STEP_COLUMNS, then ``outputs.<key>`` columns
    (a fan-out step's outputs, a list, are in ``outputs``)."""
    pd = _pandas()
    frame = pd.DataFrame([{column: step.get(column) for column in STEP_COLUMNS} for step in run["steps"]], columns=STEP_COLUMNS)
    for column in ("attempts", "duration_ms", "exit_code"):
        frame[column] = frame[column].astype("Int64")
    for column in ("started_at", "completed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    outputs = [step.get("outputs") for step in run["steps"]]
    add_outputs_columns(frame, [value if isinstance(value, dict) else None for value in outputs])
    if any(isinstance(value, list) for value in outputs):
        frame["outputs"] = [value if isinstance(value, list) else None for value in outputs]
    frame.attrs["run_id"] = run["id"]
    return frame
