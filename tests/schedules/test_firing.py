"""Schedules fire on real time in a real server: counts, pause, overlap policies, records."""

from __future__ import annotations

import time
from datetime import datetime

from tests.servers import json_of

from .conftest import bash_script, create_schedule, executions_of, fires, wait_for

EVERY_SECOND = "* * * * * *"


def test_every_second_fires_n_times_in_n_seconds_and_pause_stops_it(sched_server, owner_token):
    script = bash_script(sched_server, owner_token)
    started = time.monotonic()
    schedule = create_schedule(sched_server, owner_token, script_id=script["id"], cron=EVERY_SECOND, overlap="allow")
    time.sleep(5)  # the thing measured is real time passing
    paused = json_of(sched_server.request("POST", f"/schedules/{schedule['id']}/pause", owner_token))
    elapsed = time.monotonic() - started
    assert paused["enabled"] is False and paused["next_runs"] == []
    count = len([f for f in fires(sched_server, owner_token, schedule["id"]) if f["outcome"] == "started"])
    assert abs(count - elapsed) <= 1.5, (count, elapsed)
    time.sleep(2)  # nothing more may fire while paused
    assert len(fires(sched_server, owner_token, schedule["id"])) == count
    # Every run records its trigger and schedule, and is the owner's.
    runs = wait_for(lambda: [e for e in executions_of(sched_server, owner_token, schedule["id"])
                             if e["status"] not in ("Queued", "Running")] or None, what="finished runs")
    assert all(run["trigger"] == "schedule" and run["requested_by"] == "sched-owner" for run in runs)
    assert "tick" in runs[0]["stdout"]
    record = json_of(sched_server.request("GET", f"/schedules/{schedule['id']}", owner_token))
    assert record["last_run"]["outcome"] == "started" and record["last_run"]["run_id"]
    assert 'stella_schedule_fires_total{result="started"}' in sched_server.request("GET", "/metrics").text


def _intervals(server, token, schedule_id) -> list[tuple[datetime, datetime]]:
    return sorted((datetime.fromisoformat(e["started_at"]), datetime.fromisoformat(e["completed_at"]))
                  for e in executions_of(server, token, schedule_id) if e["started_at"] and e["completed_at"])


def _run_for(server, token, seconds: float, **body) -> dict:
    schedule = create_schedule(server, token, cron=EVERY_SECOND, **body)
    time.sleep(seconds)
    server.request("POST", f"/schedules/{schedule['id']}/pause", token)
    return schedule


def test_overlap_skip_never_runs_two_at_once(sched_server, owner_token):
    script = bash_script(sched_server, owner_token, "sleep 2.5\n")
    schedule = _run_for(sched_server, owner_token, 5, script_id=script["id"], overlap="skip")
    outcomes = [f["outcome"] for f in fires(sched_server, owner_token, schedule["id"])]
    assert "skipped" in outcomes and 1 <= outcomes.count("started") <= 3, outcomes
    wait_for(lambda: all(e["completed_at"] for e in executions_of(sched_server, owner_token, schedule["id"])), what="runs end")
    intervals = _intervals(sched_server, owner_token, schedule["id"])
    assert all(later[0] >= earlier[1] for earlier, later in zip(intervals, intervals[1:])), intervals


def test_overlap_queue_runs_every_occurrence_one_after_another(sched_server, owner_token):
    script = bash_script(sched_server, owner_token, "sleep 1.5\n")
    schedule = _run_for(sched_server, owner_token, 3.5, script_id=script["id"], overlap="queue")
    handled = fires(sched_server, owner_token, schedule["id"])
    assert not [f for f in handled if f["outcome"] == "skipped"]
    # Queued occurrences start as the previous run ends, until none waits.
    wait_for(lambda: all(f["outcome"] == "started" for f in fires(sched_server, owner_token, schedule["id"])),
             timeout_s=30, what="queued occurrences to start")
    wait_for(lambda: all(e["completed_at"] for e in executions_of(sched_server, owner_token, schedule["id"])), what="runs end")
    intervals = _intervals(sched_server, owner_token, schedule["id"])
    assert len(intervals) == len(handled) >= 3
    assert all(later[0] >= earlier[1] for earlier, later in zip(intervals, intervals[1:])), intervals


def test_overlap_allow_runs_side_by_side(sched_server, owner_token):
    script = bash_script(sched_server, owner_token, "sleep 2.5\n")
    schedule = _run_for(sched_server, owner_token, 3.5, script_id=script["id"], overlap="allow")
    assert all(f["outcome"] == "started" for f in fires(sched_server, owner_token, schedule["id"]))
    wait_for(lambda: all(e["completed_at"] for e in executions_of(sched_server, owner_token, schedule["id"])), what="runs end")
    intervals = _intervals(sched_server, owner_token, schedule["id"])
    assert any(later[0] < earlier[1] for earlier, later in zip(intervals, intervals[1:])), intervals


def test_a_workflow_on_a_schedule_and_run_now(sched_server, owner_token):
    script = bash_script(sched_server, owner_token)
    workflow = json_of(sched_server.request("POST", "/workflows", owner_token, json={
        "name": f"wf-{script['name']}", "definition": {"steps": [{"id": "one", "script": script["id"]}]}}))
    schedule = create_schedule(sched_server, owner_token, workflow_id=workflow["id"], cron="0 0 1 1 *")
    fire = json_of(sched_server.request("POST", f"/schedules/{schedule['id']}/run-now", owner_token))
    assert fire["manual"] is True and fire["run_kind"] == "workflow_run"
    run = wait_for(lambda: (lambda r: r if r["status"] not in ("Queued", "Running") else None)(
        json_of(sched_server.request("GET", f"/workflows/runs/{fire['run_id']}", owner_token))), what="the workflow run")
    assert run["status"] == "Succeeded" and run["trigger"] == "schedule" and run["trigger_id"] == schedule["id"]


def test_lost_access_pauses_with_a_reason(sched_server, owner_token):
    author = sched_server.token("sched-author")
    script = bash_script(sched_server, author, visibility="organization")
    schedule = create_schedule(sched_server, owner_token, script_id=script["id"], cron="0 0 1 1 *")
    assert sched_server.request("PUT", f"/scripts/{script['id']}", author, json={"visibility": "private"}).status_code == 200
    fire = json_of(sched_server.request("POST", f"/schedules/{schedule['id']}/run-now", owner_token))
    assert fire["outcome"] == "paused" and fire["run_id"] is None
    record = json_of(sched_server.request("GET", f"/schedules/{schedule['id']}", owner_token))
    assert record["enabled"] is False and "sched-owner can no longer run this script" in record["paused_reason"]
    # Nobody else sees the schedule.
    assert sched_server.request("GET", f"/schedules/{schedule['id']}", author).status_code == 404
