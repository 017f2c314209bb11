"""``stellascript scripts ...`` and ``stellascript executions ...`` against a
real ``stellascript serve``: the CLI runs as a user runs it, a subprocess,
and every answer comes from the server (and its containers)."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from jupyter_stellascript.client import ClientError, ServerUnreachable, StellaScriptClient, parse_events
from tests.servers import free_port, json_of

pytestmark = pytest.mark.slow

STELLASCRIPT = str(Path(sys.executable).with_name("stellascript"))

GREET = """import json, os, sys, time
args = json.load(open("/scripts/args.json"))
print("first", flush=True)
time.sleep(3)
print(f"hello {args['who']}, {os.environ.get('MOOD', 'no mood')}")
print("a note for stderr", file=sys.stderr)
sys.exit(3)
"""
SLEEPER = "import time\nprint('going to sleep', flush=True)\ntime.sleep(120)\nprint('woke up')\n"


def base_url(server) -> str:
    return f"http://127.0.0.1:{server.port}"


def environment(server, token: str | None) -> dict[str, str]:
    env = {**os.environ, "STELLASCRIPT_URL": base_url(server)}
    env.pop("STELLASCRIPT_TOKEN", None)
    if token:
        env["STELLASCRIPT_TOKEN"] = token
    return env


def cli(server, *args: str, token: str | None = None, cwd: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STELLASCRIPT, *args], env=environment(server, token), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


def wait_for_status(server, execution_id: str, wanted: set[str], token: str | None = None, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        response = server.request("GET", f"/scripts/executions/{execution_id}", token=token)
        assert response.status_code == 200, response.text
        record = json_of(response)
        if record["status"] in wanted:
            return record
        assert time.monotonic() < deadline, f"execution stayed {record['status']}"
        time.sleep(0.2)


def read_line(process: subprocess.Popen, timeout_s: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], timeout_s)
    assert ready, "no output in time"
    return process.stdout.readline()


@pytest.fixture(scope="module")
def alice(sqlite_server) -> str:  # noqa: F811
    return sqlite_server.token("cli-alice", teams=("cli",))


@pytest.fixture(scope="module")
def greeter(sqlite_server, alice, tmp_path_factory) -> dict:  # noqa: F811
    """A public script made with the CLI; returns its id and file."""
    folder = tmp_path_factory.mktemp("cli-greeter")
    path = folder / "greet.py"
    path.write_text(GREET)
    result = cli(sqlite_server, "scripts", "create", str(path), "--name", "cli-greeter", "--visibility", "public",
                 "--tag", "cli", "--tag", "demo", "--description", "says hello", token=alice)
    assert result.returncode == 0, result.stderr
    script_id = result.stdout.strip()
    uuid.UUID(script_id)
    assert "created 'cli-greeter' 1.0.0 (python, public)" in result.stderr
    return {"id": script_id, "path": path}


def test_create_list_show_update_and_versions(sqlite_server, alice, tmp_path):  # noqa: F811
    server = sqlite_server
    path = tmp_path / "report.sh"
    path.write_text("echo report v1\n")
    created = cli(server, "scripts", "create", str(path), "--name", "cli-report", "--tag", "cli-only", "--description", "v1", token=alice)
    assert created.returncode == 0, created.stderr
    script_id = created.stdout.strip()
    stored = json_of(server.request("GET", f"/scripts/{script_id}", token=alice))
    assert (stored["language"], stored["visibility"], stored["tags"], stored["description"]) == ("bash", "private", ["cli-only"], "v1")
    assert stored["content"] == "echo report v1\n"

    listed = cli(server, "scripts", "list", "--tag", "cli-only", "--json", token=alice)
    assert listed.returncode == 0, listed.stderr
    assert [item["id"] for item in json.loads(listed.stdout)["items"]] == [script_id]
    table = cli(server, "scripts", "list", "--q", "CLI-REPORT", token=alice)
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "LANGUAGE", "VERSION", "VISIBILITY", "TAGS"]
    assert [row.split() for row in rows] == [[script_id, "cli-report", "bash", "1.0.0", "private", "cli-only"]]
    other_language = cli(server, "scripts", "list", "--q", "cli-report", "--language", "python", "--json", token=alice)
    assert json.loads(other_language.stdout)["total"] == 0
    anonymous = cli(server, "scripts", "list", "--q", "cli-report", "--json")
    assert json.loads(anonymous.stdout)["total"] == 0, "a private script is not anyone's to see"

    shown = cli(server, "scripts", "show", script_id, token=alice)
    assert shown.returncode == 0, shown.stderr
    metadata = json.loads(shown.stdout)
    assert metadata["version"] == "1.0.0" and metadata["name"] == "cli-report" and "content" not in metadata
    assert cli(server, "scripts", "show", script_id, "--content", token=alice).stdout == "echo report v1\n"

    path.write_text("echo report v2\n")
    updated = cli(server, "scripts", "update", script_id, str(path), "--bump", "minor", token=alice)
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout.strip() == "1.1.0"
    assert cli(server, "scripts", "show", script_id, "--content", token=alice).stdout == "echo report v2\n"
    assert cli(server, "scripts", "show", script_id, "--version", "1.0.0", "--content", token=alice).stdout == "echo report v1\n"
    patched = cli(server, "scripts", "update", script_id, str(path), "--expected-version", "1.1.0", "--description", "v2", token=alice)
    assert patched.stdout.strip() == "1.1.1", patched.stderr

    versions = cli(server, "scripts", "versions", script_id, "--json", token=alice)
    assert [v["version"] for v in json.loads(versions.stdout)] == ["1.1.1", "1.1.0", "1.0.0"]
    table = cli(server, "scripts", "versions", script_id, token=alice).stdout.splitlines()
    assert table[0].split() == ["VERSION", "CREATED", "BY", "SHA256"]
    assert [line.split()[0] for line in table[1:]] == ["1.1.1", "1.1.0", "1.0.0"]

    stale = cli(server, "scripts", "update", script_id, str(path), "--expected-version", "1.0.0", token=alice)
    assert stale.returncode == 1
    assert stale.stderr.startswith("stellascript: 409 the script is at version 1.1.1, not 1.0.0"), stale.stderr
    no_traceback(stale)

    deleted = cli(server, "scripts", "delete", script_id, token=alice)
    assert deleted.returncode == 0, deleted.stderr
    gone = cli(server, "scripts", "show", script_id, token=alice)
    assert gone.returncode == 1 and gone.stderr.startswith(f"stellascript: 404 no script {script_id}"), gone.stderr


def test_run_streams_output_live_and_exits_with_the_scripts_code(sqlite_server, alice, greeter):  # noqa: F811
    """Anonymous, since the script is public; "first" arrives while the script
    still sleeps, and the command ends with the script's own exit code."""
    process = subprocess.Popen(
        [STELLASCRIPT, "scripts", "run", greeter["id"], "--arg", "who=world", "--env", "MOOD=cheerful", "--timeout", "60s"],
        env=environment(sqlite_server, None), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert read_line(process, 60) == "first\n"
        assert process.poll() is None, "the first line only came when the run was over"
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 3, err
    assert "first\n" + out == "first\nhello world, cheerful\n"
    assert err == "a note for stderr\n"

    # The record of that run, through the executions commands. An anonymous
    # run is listed to the script's creator (as a summary); its id reads it.
    assert json.loads(cli(sqlite_server, "executions", "list", "--script", greeter["id"], "--json").stdout)["items"] == []
    listed = cli(sqlite_server, "executions", "list", "--script", greeter["id"], "--json", token=alice)
    assert listed.returncode == 0, listed.stderr
    summary = next(item for item in json.loads(listed.stdout)["items"] if item["requested_by"] == "anonymous")
    assert (summary["status"], summary["exit_code"], summary["redacted"], summary["arguments"]) == ("Failed", 3, True, {})
    record = json.loads(cli(sqlite_server, "executions", "show", summary["id"]).stdout)
    assert (record["status"], record["exit_code"], record["arguments"], record["environment_keys"]) == ("Failed", 3, {"who": "world"}, ["MOOD"])
    assert record["timeout"] == 60
    table = cli(sqlite_server, "executions", "list", "--script", greeter["id"], token=alice).stdout.splitlines()
    assert table[0].split() == ["ID", "SCRIPT", "VERSION", "STATUS", "EXIT", "QUEUED", "BY"]
    assert [record["id"], greeter["id"], "1.0.0", "Failed", "3"] in [line.split()[:5] for line in table[1:]]
    shown = json.loads(cli(sqlite_server, "executions", "show", record["id"]).stdout)
    assert shown["stdout"] == "first\nhello world, cheerful\n" and shown["stderr"] == "a note for stderr\n"
    for follow in ("--follow", "--no-follow"):
        logs = cli(sqlite_server, "executions", "logs", record["id"], follow)
        assert logs.returncode == 0, logs.stderr
        assert (logs.stdout, logs.stderr) == ("first\nhello world, cheerful\n", "a note for stderr\n"), follow


def test_run_as_json_waits_and_prints_the_record(sqlite_server, alice, greeter):  # noqa: F811
    result = cli(sqlite_server, "scripts", "run", greeter["id"], "--arg", "who=json", "--json", token=alice)
    assert result.returncode == 3, result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "Failed" and record["stdout"] == "first\nhello json, no mood\n"
    assert record["requested_by"] == "cli-alice"


def test_run_takes_where_and_in_which_order_it_runs(sqlite_server, alice, greeter):  # noqa: F811
    result = cli(sqlite_server, "scripts", "run", greeter["id"], "--arg", "who=queue", "--priority", "high",
                 "--retry-on-executor-loss", "--json", token=alice)
    record = json.loads(result.stdout)
    assert record["priority"] == "high" and record["stdout"] == "first\nhello queue, no mood\n", result.stderr
    bad_tag = cli(sqlite_server, "scripts", "run", greeter["id"], "--worker-tag", "site", token=alice)
    assert bad_tag.returncode == 2 and "--worker-tag" in bad_tag.stderr
    missing = cli(sqlite_server, "scripts", "run", greeter["id"], "--target", "no-such-target-container", token=alice)
    assert missing.returncode == 2 and "no-such-target-container" in missing.stderr, missing.stderr


def test_run_that_times_out_exits_124(sqlite_server, alice, tmp_path):  # noqa: F811
    path = tmp_path / "sleeper.py"
    path.write_text(SLEEPER)
    script_id = cli(sqlite_server, "scripts", "create", str(path), "--name", "cli-sleeper-timeout", token=alice).stdout.strip()
    result = cli(sqlite_server, "scripts", "run", script_id, "--timeout", "2s", token=alice)
    assert result.returncode == 124, result.stderr
    assert result.stdout == "going to sleep\n"


def test_cancel_a_long_sleeper(sqlite_server, alice, tmp_path):  # noqa: F811
    path = tmp_path / "sleeper.py"
    path.write_text(SLEEPER)
    script_id = cli(sqlite_server, "scripts", "create", str(path), "--name", "cli-sleeper", token=alice).stdout.strip()
    started = time.monotonic()
    process = subprocess.Popen([STELLASCRIPT, "scripts", "run", script_id], env=environment(sqlite_server, alice),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert read_line(process, 60) == "going to sleep\n"
        running = json_of(sqlite_server.request("GET", f"/scripts/executions?script_id={script_id}&status=Running", token=alice))
        assert running["total"] == 1, running
        execution_id = running["items"][0]["id"]
        cancelled = cli(sqlite_server, "executions", "cancel", execution_id, token=alice)
        assert cancelled.returncode == 0, cancelled.stderr
        assert cancelled.stdout.strip() == f"{execution_id} cancel requested (was Running)"
        process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    assert time.monotonic() - started < 90, "the cancelled run went on sleeping"
    record = json.loads(cli(sqlite_server, "executions", "show", execution_id, token=alice).stdout)
    assert record["status"] == "Cancelled"
    again = cli(sqlite_server, "executions", "cancel", execution_id, token=alice)
    assert again.stdout.strip() == f"{execution_id} already ended: Cancelled"
    anonymous = cli(sqlite_server, "executions", "cancel", execution_id)
    assert anonymous.returncode == 1, "a private script's executions are not anonymous callers' to cancel"
    assert anonymous.stderr.startswith("stellascript: 404 "), anonymous.stderr


def test_interrupting_run_cancels_the_execution(sqlite_server, alice, tmp_path):  # noqa: F811
    path = tmp_path / "sleeper.py"
    path.write_text(SLEEPER)
    script_id = cli(sqlite_server, "scripts", "create", str(path), "--name", "cli-sleeper-interrupted", token=alice).stdout.strip()
    process = subprocess.Popen([STELLASCRIPT, "scripts", "run", script_id], env=environment(sqlite_server, alice),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert read_line(process, 60) == "going to sleep\n"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    execution_id = json_of(sqlite_server.request("GET", f"/scripts/executions?script_id={script_id}", token=alice))["items"][0]["id"]
    assert err == f"stellascript: cancelled execution {execution_id}\n"
    assert wait_for_status(sqlite_server, execution_id, {"Cancelled", "Succeeded", "Failed", "Error"}, token=alice)["status"] == "Cancelled"


def test_a_syntax_error_is_reported_with_its_line(sqlite_server, alice, tmp_path):  # noqa: F811
    path = tmp_path / "broken.py"
    path.write_text("x = 1\ny = 2\nprint((x, y)\n")
    result = cli(sqlite_server, "scripts", "create", str(path), token=alice)
    assert result.returncode == 1
    assert result.stdout == ""
    first, *details = result.stderr.splitlines()
    assert first.startswith("stellascript: 400 "), result.stderr
    assert len(details) == 1 and re.match(rf"^  {re.escape(str(path))}:3:\d+: \S", details[0]), result.stderr
    no_traceback(result)
    empty = tmp_path / "empty.sh"
    empty.write_text("   \n")
    refused = cli(sqlite_server, "scripts", "create", str(empty), "--name", "   ", token=alice)
    fields = sorted(line.split(":")[0].strip() for line in refused.stderr.splitlines()[1:])
    assert fields == ["content", "name"], refused.stderr


def test_a_bad_token_is_401_with_a_clear_message(sqlite_server, greeter):  # noqa: F811
    result = cli(sqlite_server, "scripts", "list", token="sst_not-a-real-token")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "stellascript: 401 the API token is not valid"
    assert "--token or STELLASCRIPT_TOKEN" in result.stderr
    no_traceback(result)
    run = cli(sqlite_server, "scripts", "run", greeter["id"], "--token", "sst_not-a-real-token")
    assert run.returncode == 2, "refused: nothing ran"
    assert run.stderr.startswith("stellascript: 401 the API token is not valid")
    anonymous = cli(sqlite_server, "scripts", "create", str(greeter["path"]))
    assert anonymous.returncode == 1
    assert anonymous.stderr.startswith("stellascript: 401 creating a script needs an authenticated user"), anonymous.stderr


def test_an_unreachable_server_is_one_line(tmp_path):
    port = free_port()
    result = subprocess.run([STELLASCRIPT, "scripts", "list", "--url", f"http://127.0.0.1:{port}"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == f"stellascript: cannot reach the Stella Script server at http://127.0.0.1:{port}: connection refused\n"
    run = subprocess.run([STELLASCRIPT, "scripts", "run", str(uuid.uuid4()), "--url", f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 125 and len(run.stderr.splitlines()) == 1, run.stderr


def test_the_client_raises_the_servers_status_and_message(sqlite_server, alice, greeter):  # noqa: F811
    client = StellaScriptClient(base_url(sqlite_server) + "/", token=alice)
    assert client.health()["engine"] == "ready"
    assert {language["name"] for language in client.languages()} >= {"python", "bash"}
    with pytest.raises(ClientError) as missing:
        client.get_execution("no-such-execution")
    assert missing.value.status == 404 and missing.value.message == "no such execution"
    with pytest.raises(ClientError) as invalid:
        client.execute(greeter["id"], timeout=-1, network_mode="carrier-pigeon")
    assert invalid.value.status == 400
    assert sorted(error["field"] for error in invalid.value.errors) == ["network_mode", "timeout"]
    accepted = client.execute(greeter["id"], arguments={"who": "client"})
    events = list(client.stream_logs(accepted["execution_id"]))
    assert [event for event, _ in events if event == "stdout"] and events[-1][0] == "end"
    assert "".join(data for event, data in events if event == "stdout") == "first\nhello client, no mood\n"
    assert json.loads(events[-1][1]) == {"status": "Failed", "exit_code": 3}
    # The API URL itself works as well as the server's.
    again = StellaScriptClient(f"{base_url(sqlite_server)}/stellascript/api/v1", token=alice)
    assert again.get_script(greeter["id"])["id"] == greeter["id"]
    with pytest.raises(ServerUnreachable):
        StellaScriptClient(f"http://127.0.0.1:{free_port()}").health()


def test_server_sent_events_keep_text_exactly():
    """Data lines joined with newlines, carriage returns kept, split anywhere."""
    stream = (b"event: stdout\ndata: 10%\r20%\ndata: \n\n"
              b"event: stderr\ndata:  indented\n\n: a comment\n\n"
              b"event: end\ndata: {\"status\": \"Succeeded\", \"exit_code\": 0}\n\n")
    chunks = [stream[i:i + 3] for i in range(0, len(stream), 3)]
    assert list(parse_events(iter(chunks))) == [
        ("stdout", "10%\r20%\n"),
        ("stderr", " indented"),
        ("end", '{"status": "Succeeded", "exit_code": 0}'),
    ]


def test_scripts_are_taken_by_name_or_owner_slash_name(sqlite_server, alice, tmp_path):  # noqa: F811
    path = tmp_path / "named.sh"
    path.write_text("echo named\n")
    name = f"cli-named-{uuid.uuid4().hex[:8]}"
    bob = sqlite_server.token("cli-bob")
    ids = {}
    for user, token in (("cli-alice", alice), ("cli-bob", bob)):
        made = cli(sqlite_server, "scripts", "create", str(path), "--name", name, "--visibility", "organization", token=token)
        assert made.returncode == 0, made.stderr
        ids[user] = made.stdout.strip()
    again = cli(sqlite_server, "scripts", "create", str(path), "--name", name, token=alice)
    assert again.returncode == 1 and f"already has a script named {name!r} (id {ids['cli-alice']})" in again.stderr, again.stderr
    # A bare name is the caller's own; owner/name anyone's they can read.
    assert json.loads(cli(sqlite_server, "scripts", "show", name, token=alice).stdout)["id"] == ids["cli-alice"]
    assert json.loads(cli(sqlite_server, "scripts", "show", f"cli-bob/{name}", token=alice).stdout)["id"] == ids["cli-bob"]
    ran = cli(sqlite_server, "scripts", "run", f"cli-bob/{name}", token=alice)
    assert ran.returncode == 0 and ran.stdout == "named\n", ran.stderr
    carol = sqlite_server.token("cli-carol")
    ambiguous = cli(sqlite_server, "scripts", "show", name, token=carol)
    assert ambiguous.returncode == 1, ambiguous.stderr
    assert f"409 2 scripts are named {name!r}: cli-alice/{name}, cli-bob/{name}" in ambiguous.stderr
    no_traceback(ambiguous)


def test_a_scripts_retry_on_executor_loss_is_set_at_create_and_kept_or_changed_by_update(sqlite_server, alice, tmp_path):  # noqa: F811
    path = tmp_path / "retried.sh"
    path.write_text("echo once\n")
    created = json.loads(cli(sqlite_server, "scripts", "create", str(path), "--name", "cli-retried",
                             "--retry-on-executor-loss", "--json", token=alice).stdout)
    assert created["retry_on_executor_loss"] is True, created
    kept = cli(sqlite_server, "scripts", "update", created["id"], str(path), "--description", "kept", "--json", token=alice)
    assert json.loads(kept.stdout)["retry_on_executor_loss"] is True
    changed = cli(sqlite_server, "scripts", "update", created["id"], str(path), "--no-retry-on-executor-loss", "--json",
                  token=alice)
    assert json.loads(changed.stdout)["retry_on_executor_loss"] is False
    # Not a boolean: a 400 naming the field, nothing stored.
    response = sqlite_server.request("PUT", f"/scripts/{created['id']}", token=alice, json={"retry_on_executor_loss": "yes"})
    assert response.status_code == 400 and "retry_on_executor_loss" in response.text, response.text
    assert json.loads(sqlite_server.request("GET", f"/scripts/{created['id']}", token=alice).text)["version"] == "1.0.2"
