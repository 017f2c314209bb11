"""Schedule bodies: cron and zone checked by croniter and zoneinfo, next_runs in the zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.servers import json_of

from .conftest import bash_script, create_schedule


def test_invalid_cron_and_zone_are_400s_naming_the_field(sched_server, owner_token):
    script = bash_script(sched_server, owner_token)
    response = sched_server.request("POST", "/schedules", owner_token, json={
        "script_id": script["id"], "cron": "61 * * * *", "timezone": "Mars/Olympus"})
    assert response.status_code == 400
    fields = {problem["field"]: problem["message"] for problem in response.json()["errors"]}
    assert "out of range" in fields["cron"] and "IANA time zone" in fields["timezone"]
    response = sched_server.request("POST", "/schedules", owner_token, json={"script_id": script["id"], "cron": "* * *"})
    assert response.status_code == 400 and "5 fields" in response.json()["errors"][0]["message"]
    response = sched_server.request("POST", "/schedules", owner_token, json={"script_id": script["id"], "cron": "* * * * *",
                                                                            "overlap": "sometimes"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "overlap"


def test_next_runs_in_a_zone_whose_offset_differs_from_utc(sched_server, owner_token):
    script = bash_script(sched_server, owner_token)
    schedule = create_schedule(sched_server, owner_token, script_id=script["id"], cron="0 9 * * mon-fri",
                               timezone="Asia/Kolkata", enabled=False)
    assert schedule["next_runs"] == []
    schedule = json_of(sched_server.request("POST", f"/schedules/{schedule['id']}/resume", owner_token))
    runs = [datetime.fromisoformat(moment) for moment in schedule["next_runs"]]
    assert len(runs) == 5 and runs == sorted(runs)
    for moment in runs:
        assert moment.utcoffset() == timedelta(hours=5, minutes=30)
        assert (moment.hour, moment.minute, moment.weekday() < 5) == (9, 0, True)
        utc = moment - moment.utcoffset()
        assert (utc.hour, utc.minute) == (3, 30)


def test_arguments_checked_against_parameters_at_save(sched_server, owner_token):
    script = bash_script(sched_server, owner_token, "# /// stellascript\n# [parameters.count]\n# type = \"integer\"\n"
                                                   "# required = true\n# ///\necho $count\n")
    response = sched_server.request("POST", "/schedules", owner_token, json={
        "script_id": script["id"], "cron": "* * * * *", "arguments": {"count": "many"}})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "arguments.count"
    anonymous = sched_server.request("POST", "/schedules", json={"script_id": script["id"], "cron": "* * * * *"})
    assert anonymous.status_code == 401
