"""Notification webhooks to real loopback receivers: Slack format, recovery once, retries, a hanging
receiver, secrets in URLs masked, handler runs, schedules' and workflows' rules."""

from __future__ import annotations

import json
import time

from tests.servers import json_of

from .conftest import EXITING, deliveries, notify, run, script, wait_for


def test_a_failure_reaches_the_receiver_in_slacks_format(notify_server, notify_owner, receiver):
    checked = script(notify_server, notify_owner)
    notify(notify_server, notify_owner, "scripts", checked["id"],
           {"on": ["failure"], "webhook": f"{receiver.url}/slack", "format": "slack"})
    assert run(notify_server, notify_owner, checked["id"], code=0)["status"] == "Succeeded"
    failed = run(notify_server, notify_owner, checked["id"], code=3)
    assert failed["status"] == "Failed"
    message = receiver.wait_for(lambda got: len(got) >= 1)[0]
    assert message["path"] == "/slack"
    body = message["body"]
    assert set(body) == {"text", "blocks"} and checked["name"] in body["text"] and "failure" in body["text"]
    assert "exit code 3" in body["text"] and any("exiting with 3" in json.dumps(block) for block in body["blocks"])
    assert failed["id"] in json.dumps(body["blocks"])
    logged = wait_for(lambda: [d for d in deliveries(notify_server, notify_owner, run_id=failed["id"])
                               if d["status"] == "delivered"], what="the delivery in the log")
    assert logged[0]["event"] == "failure" and logged[0]["attempts"] == 1 and logged[0]["response_status"] == 200
    time.sleep(0.5)  # no success notification may follow: the rule is on failure only
    assert len(receiver.received) == 1
    assert 'stella_notification_deliveries_total{result="delivered"}' in notify_server.request("GET", "/metrics").text


def test_recovery_fires_once_after_failures(notify_server, notify_owner, receiver):
    checked = script(notify_server, notify_owner)
    notify(notify_server, notify_owner, "scripts", checked["id"], {"on": ["recovery"], "webhook": receiver.url})
    for code in (1, 2, 0, 0):
        run(notify_server, notify_owner, checked["id"], code=code)
    got = receiver.wait_for(lambda got: len(got) >= 1)
    time.sleep(1)  # a second recovery would have arrived by now
    assert len(got) == 1 and got[0]["body"]["event"] == "recovery" and got[0]["body"]["run"]["status"] == "Succeeded"
    run(notify_server, notify_owner, checked["id"], code=1)
    run(notify_server, notify_owner, checked["id"], code=0)
    receiver.wait_for(lambda got: len(got) == 2)


def test_a_hanging_receiver_does_not_delay_the_run(notify_server, notify_owner, receiver):
    receiver.hang.set()
    checked = script(notify_server, notify_owner)
    notify(notify_server, notify_owner, "scripts", checked["id"], {"on": ["start", "success"], "webhook": receiver.url})
    started = time.monotonic()
    finished = run(notify_server, notify_owner, checked["id"])
    took = time.monotonic() - started
    # Its deliveries take 3 × 2 s + backoff (over 6 s) to give up: none of that is the run's.
    assert finished["status"] == "Succeeded" and took < 5, took
    failed = wait_for(lambda: [d for d in deliveries(notify_server, notify_owner, run_id=finished["id"])
                               if d["status"] == "failed"] or None, timeout_s=30, what="the timed-out delivery")
    # Bounded: 1 try + 2 retries, each time-limited.
    assert failed[0]["attempts"] == 3 and "no answer within 2s" in failed[0]["error"]
    assert 'stella_notification_deliveries_total{result="failed"}' in notify_server.request("GET", "/metrics").text


def test_failed_deliveries_are_retried_with_backoff(notify_server, notify_owner, receiver):
    receiver.failures_left = 2
    checked = script(notify_server, notify_owner)
    notify(notify_server, notify_owner, "scripts", checked["id"], {"on": ["success"], "webhook": receiver.url})
    finished = run(notify_server, notify_owner, checked["id"])
    got = receiver.wait_for(lambda got: len(got) == 3)
    assert got[2]["at"] - got[1]["at"] >= got[1]["at"] - got[0]["at"] >= 0.15  # 0.2 s, then 0.4 s
    delivered = wait_for(lambda: [d for d in deliveries(notify_server, notify_owner, run_id=finished["id"])
                                  if d["status"] == "delivered"], what="the delivery")
    assert delivered[0]["attempts"] == 3 and got[0]["body"]["event"] == "success"


def test_a_secret_in_the_url_is_used_and_masked_in_the_log(notify_server, notify_owner, receiver):
    value = "hook-value-8d1e2f"
    assert notify_server.request("POST", "/secrets", notify_owner, json={"name": "notify-hook", "value": value}).status_code == 201
    checked = script(notify_server, notify_owner)
    notify(notify_server, notify_owner, "scripts", checked["id"],
           {"on": ["failure"], "webhook": f"{receiver.url}/hooks/${{{{ secrets.notify-hook }}}}"})
    failed = run(notify_server, notify_owner, checked["id"], code=1)
    assert receiver.wait_for(lambda got: len(got) == 1)[0]["path"] == f"/hooks/{value}"
    logged = wait_for(lambda: [d for d in deliveries(notify_server, notify_owner, run_id=failed["id"])
                               if d["status"] == "delivered"], what="the delivery")
    assert logged[0]["target"] == f"{receiver.url}/hooks/***"
    assert value not in json.dumps(deliveries(notify_server, notify_owner))
    settings = json_of(notify_server.request("GET", f"/scripts/{checked['id']}/notifications", notify_owner))
    assert "${{ secrets.notify-hook }}" in settings["notifications"][0]["webhook"]


def test_a_handler_run_is_told_which_run_failed(notify_server, notify_owner):
    handler = script(notify_server, notify_owner, "jq -c . /scripts/args.json\n")
    checked = script(notify_server, notify_owner)
    notify(notify_server, notify_owner, "scripts", checked["id"], {"on": ["failure"], "run": handler["name"]})
    failed = run(notify_server, notify_owner, checked["id"], code=4)
    logged = wait_for(lambda: [d for d in deliveries(notify_server, notify_owner, run_id=failed["id"])
                               if d["status"] == "delivered"], what="the handler run")
    handler_run = wait_for(lambda: (lambda r: r if r["status"] == "Succeeded" else None)(json_of(
        notify_server.request("GET", f"/scripts/executions/{logged[0]['handler_run_id']}", notify_owner))), what="the handler")
    told = json.loads(handler_run["stdout"])
    assert told["run_id"] == failed["id"] and told["status"] == "Failed" and told["exit_code"] == "4"
    assert "exiting with 4" in told["output_tail"] and told["link"].endswith(f"/scripts/executions/{failed['id']}")
    assert handler_run["trigger"] == "notification"


def test_rules_of_a_schedule_and_of_a_workflow(notify_server, notify_owner, receiver):
    checked = script(notify_server, notify_owner)
    schedule = json_of(notify_server.request("POST", "/schedules", notify_owner, json={
        "script_id": checked["id"], "cron": "0 0 1 1 *", "arguments": {"code": "5"},
        "notifications": [{"on": ["failure"], "webhook": f"{receiver.url}/schedule"}]}))
    fire = json_of(notify_server.request("POST", f"/schedules/{schedule['id']}/run-now", notify_owner))
    got = receiver.wait_for(lambda got: any(r["path"] == "/schedule" for r in got))
    body = next(r["body"] for r in got if r["path"] == "/schedule")
    assert body["source"]["kind"] == "schedule" and body["run"]["id"] == fire["run_id"] and body["run"]["trigger"] == "schedule"
    failing = script(notify_server, notify_owner, "exit 1\n")
    workflow = json_of(notify_server.request("POST", "/workflows", notify_owner, json={
        "name": f"wf-{failing['name']}", "definition": {"steps": [{"id": "breaks", "script": failing["id"]}]}}))
    notify(notify_server, notify_owner, "workflows", workflow["id"], {"on": ["failure"], "webhook": f"{receiver.url}/wf"})
    ran = json_of(notify_server.request("POST", f"/workflows/{workflow['id']}/run?wait=true", notify_owner, json={}))
    assert ran["status"] == "Failed"
    got = receiver.wait_for(lambda got: any(r["path"] == "/wf" for r in got))
    body = next(r["body"] for r in got if r["path"] == "/wf")
    assert body["run"]["kind"] == "workflow_run" and body["source"] == {"kind": "workflow", "id": workflow["id"],
                                                                        "name": workflow["name"]}
    # The failing step's own script has no rules: nothing else arrived.
    assert {r["path"] for r in receiver.received} == {"/schedule", "/wf"}


def test_only_the_creator_sets_rules_and_bad_rules_are_400(notify_server, notify_owner):
    checked = script(notify_server, notify_owner)
    bad = notify_server.request("PUT", f"/scripts/{checked['id']}/notifications", notify_owner, json={
        "notifications": [{"on": ["sometimes"], "webhook": "ftp://x"}, {"on": ["failure"]}]})
    assert bad.status_code == 400
    fields = {problem["field"] for problem in bad.json()["errors"]}
    assert {"notifications[0].on[0]", "notifications[0].webhook", "notifications[1]"} <= fields, fields
    other = notify_server.token("notify-other")
    assert notify_server.request("PUT", f"/scripts/{checked['id']}/notifications", other,
                                 json={"notifications": []}).status_code == 404
