"""Several servers on one PostgreSQL fire each occurrence once; a restarted server catches up as told."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text

from tests.servers import RunningServer, json_of

from .conftest import SETTINGS, bash_script, create_schedule, executions_of, fires, wait_for


@pytest.fixture()
def two_servers(tmp_path, runtime_images, postgres):
    url = postgres.create_database(f"sched_{uuid.uuid4().hex[:8]}")
    servers = [RunningServer(tmp_path / name, db_url=url, settings=SETTINGS) for name in ("a", "b")]
    try:
        for server in servers:
            server.start()
        yield servers, url
    finally:
        for server in servers:
            server.stop()


def test_two_servers_on_one_postgres_fire_each_occurrence_once(two_servers):
    (first, second), url = two_servers
    token = first.token("sched-pg")
    script = bash_script(first, token)
    started = time.monotonic()
    schedule = create_schedule(first, token, script_id=script["id"], cron="* * * * * *", overlap="allow")
    time.sleep(6)  # real time passing is what is measured
    second.request("POST", f"/schedules/{schedule['id']}/pause", token)
    elapsed = time.monotonic() - started
    handled = fires(second, token, schedule["id"])
    times = Counter(fire["fire_time"] for fire in handled)
    assert all(count == 1 for count in times.values()), times
    assert abs(len(handled) - elapsed) <= 1.5, (len(handled), elapsed)
    runs = wait_for(lambda: (lambda found: found if len(found) == len(handled) else None)(
        executions_of(first, token, schedule["id"])), what="one execution per occurrence")
    assert len({run["id"] for run in runs}) == len(handled)
    with create_engine(url).connect() as connection:
        instances = connection.execute(text("SELECT count(DISTINCT server_instance) FROM schedule_fires "
                                            "WHERE schedule_id = :id"), {"id": schedule["id"]}).scalar()
    assert 1 <= instances <= 2


def test_restart_with_catch_up_once_runs_one_missed_occurrence(tmp_path, runtime_images):
    server = RunningServer(tmp_path / "restart", settings=SETTINGS).start()
    try:
        token = server.token("sched-restart")
        script = bash_script(server, token)
        once = create_schedule(server, token, script_id=script["id"], cron="* * * * * *", overlap="allow", catch_up="once")
        never = create_schedule(server, token, script_id=script["id"], cron="* * * * * *", overlap="allow", catch_up="none")
        wait_for(lambda: len(fires(server, token, once["id"])) >= 1, what="a first fire")
        server.stop()
        stopped = time.time()
        time.sleep(4)  # downtime longer than the 1 s misfire grace: occurrences are missed
        restarted = time.time()
        server.start()
        ready = time.time()
        wait_for(lambda: any(f["catch_up"] for f in fires(server, token, once["id"])), what="the catch-up run")
        for schedule in (once, never):
            server.request("POST", f"/schedules/{schedule['id']}/pause", token)
        # One catch-up for the downtime. (On a loaded machine a tick late by more
        # than the grace after the restart is a misfire of its own, caught up too.)
        caught_up = [f for f in fires(server, token, once["id"])
                     if f["catch_up"] and datetime.fromisoformat(f["fire_time"]).timestamp() <= ready]
        assert len(caught_up) == 1 and caught_up[0]["outcome"] == "started" and caught_up[0]["run_id"]
        assert not [f for f in fires(server, token, never["id"]) if f["catch_up"]]
        # The seconds the server was down were not fired one by one (only the one catch-up run).
        for schedule in (once, never):
            in_downtime = [f for f in fires(server, token, schedule["id"]) if not f["catch_up"]
                           and stopped + 1 < datetime.fromisoformat(f["fire_time"]).timestamp() < restarted]
            assert not in_downtime, in_downtime
        run = json_of(server.request("GET", f"/scripts/executions/{caught_up[0]['run_id']}", token))
        assert run["trigger"] == "schedule" and run["trigger_id"] == once["id"]
        assert executions_of(server, token, once["id"])
    finally:
        server.stop()
