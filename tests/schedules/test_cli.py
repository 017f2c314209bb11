"""``stellascript schedule`` and ``stellascript webhook`` against a real server."""

from __future__ import annotations

import json

import requests

from tests.test_client_cli import cli, no_traceback

from .conftest import bash_script


def test_schedule_commands(sched_server, owner_token):
    script = bash_script(sched_server, owner_token, "# /// stellascript\n# [parameters.n]\n# type = \"integer\"\n"
                                                    "# default = 1\n# ///\necho n\n")
    bad = cli(sched_server, "schedule", "create", script["name"], "--cron", "* * * 13 *", token=owner_token)
    assert bad.returncode == 2 and "--cron" in bad.stderr and "out of range" in bad.stderr
    refused = cli(sched_server, "schedule", "create", script["name"], "--cron", "0 9 * * *", "--arg", "n=x", token=owner_token)
    assert refused.returncode == 2 and "arguments.n" in refused.stderr, refused.stderr
    no_traceback(refused)
    created = cli(sched_server, "schedule", "create", script["name"], "--cron", "0 9 * * *", "--timezone",
                  "America/New_York", "--arg", "n=2", "--name", "nightly", token=owner_token)
    assert created.returncode == 0, created.stderr
    schedule_id = created.stdout.strip()
    listed = cli(sched_server, "schedule", "list", token=owner_token)
    assert schedule_id in listed.stdout and "America/New_York" in listed.stdout and "enabled" in listed.stdout
    assert cli(sched_server, "schedule", "pause", schedule_id, token=owner_token).returncode == 0
    shown = json.loads(cli(sched_server, "schedule", "show", schedule_id, token=owner_token).stdout)
    assert shown["enabled"] is False and shown["arguments"] == {"n": "2"}
    ran = cli(sched_server, "schedule", "run-now", schedule_id, token=owner_token)
    assert ran.returncode == 0 and ran.stdout.strip()
    history = cli(sched_server, "schedule", "history", schedule_id, token=owner_token)
    assert ran.stdout.strip() in history.stdout and "run now" in history.stdout
    assert cli(sched_server, "schedule", "delete", schedule_id, token=owner_token).returncode == 0
    assert cli(sched_server, "schedule", "show", schedule_id, token=owner_token).returncode == 1


def test_schedule_create_takes_where_and_in_which_order_its_fires_run(sched_server, owner_token):
    script = bash_script(sched_server, owner_token)
    created = cli(sched_server, "schedule", "create", script["name"], "--cron", "0 9 * * *", "--worker-tag", "site=eu-1",
                  "--priority", "high", "--retry-on-executor-loss", "--target", "db-primary", "--json", token=owner_token)
    assert created.returncode == 0, created.stderr
    shown = json.loads(created.stdout)
    assert shown["tags"] == {"site": "eu-1"} and shown["priority"] == "high" and shown["retry_on_executor_loss"] is True
    assert shown["target"] == {"container": "db-primary"}
    listed = cli(sched_server, "schedule", "list", token=owner_token)
    assert script["name"] in listed.stdout  # the TARGET column names the script, not its kind
    bad_tag = cli(sched_server, "schedule", "create", script["name"], "--cron", "0 9 * * *", "--worker-tag", "site",
                  token=owner_token)
    assert bad_tag.returncode == 2 and "--worker-tag" in bad_tag.stderr and "KEY=VALUE" in bad_tag.stderr
    no_traceback(bad_tag)
    refused = cli(sched_server, "schedule", "create", script["name"], "--cron", "0 9 * * *", "--target", "no/such name",
                  token=owner_token)
    assert refused.returncode == 2 and "target.container" in refused.stderr, refused.stderr
    for_workflow = cli(sched_server, "schedule", "create", "some-workflow", "--workflow", "--cron", "0 9 * * *",
                       "--priority", "low", token=owner_token)
    assert for_workflow.returncode == 2 and "--priority" in for_workflow.stderr


def test_webhook_commands(sched_server, owner_token):
    script = bash_script(sched_server, owner_token)
    created = cli(sched_server, "webhook", "create", script["name"], "--name", "pipeline", token=owner_token)
    assert created.returncode == 0, created.stderr
    lines = dict(line.split(":", 1) for line in created.stdout.splitlines())
    url, secret = lines["url"].strip(), lines["secret"].strip()
    accepted = requests.post(url, headers={"Authorization": f"token {secret}"}, timeout=60)
    assert accepted.status_code == 202, accepted.text
    hook_id = url.rstrip("/").split("/")[-2]
    assert hook_id in cli(sched_server, "webhook", "list", token=owner_token).stdout
    rotated = cli(sched_server, "webhook", "rotate", hook_id, token=owner_token)
    assert rotated.returncode == 0 and secret not in rotated.stdout
    assert requests.post(url, headers={"Authorization": f"token {secret}"}, timeout=60).status_code == 401
    assert cli(sched_server, "webhook", "revoke", hook_id, token=owner_token).returncode == 0
    assert "revoked" in cli(sched_server, "webhook", "list", token=owner_token).stdout
    missing = cli(sched_server, "webhook", "create", script["name"], token=owner_token)
    assert missing.returncode == 2
