"""Secrets in real runs: /run/secrets is a tmpfs the script reads but cannot
change, gone with the run; the environment variable when mapped; every form
of the value masked in the stored record and the SSE stream, also when it
is printed in two pieces."""

from __future__ import annotations

import base64
import time
from urllib.parse import quote, quote_plus

import docker
import pytest

from jupyter_stellascript.client import parse_events
from jupyter_stellascript.execution.fields import InvalidRequest
from jupyter_stellascript.execution.models import ExecutionRequest, ExecutionStatus
from jupyter_stellascript.secrets.delivery import DeliveredSecret
from tests.secrets.conftest import create_secret, record, sse_text, stored_bytes, unique_value
from tests.servers import json_of

VALUE = unique_value("p@ss w/rd+") + "é"

BASH = r'''
stat -f -c 'fs:%T' /run/secrets
[ -r /run/secrets/deliv-db ] && echo readable
( echo x > /run/secrets/deliv-db ) 2>/dev/null || echo write-refused
( rm -f /run/secrets/deliv-db ) 2>/dev/null; [ -e /run/secrets/deliv-db ] && echo still-there
( touch /run/secrets/new ) 2>/dev/null || echo create-refused
( chmod 666 /run/secrets/deliv-db ) 2>/dev/null || echo chmod-refused
[ "$(cat /run/secrets/deliv-db)" = "$DB_PASSWORD" ] && echo env-matches-file
echo "plain:$DB_PASSWORD"
printf 'split:%s' "${DB_PASSWORD:0:9}"; sleep 1; printf '%s\n' "${DB_PASSWORD:9}"
printf 'b64:'; printf '%s' "$DB_PASSWORD" | base64 -w0; echo
echo "err:$DB_PASSWORD" >&2
echo "host:$(hostname)"
'''

PYTHON = '''
import base64, os, sys, time, urllib.parse
value = open("/run/secrets/deliv-db").read()
print("quote:" + urllib.parse.quote(value, safe=""))
print("plus:" + urllib.parse.quote_plus(value))
print("urlsafe:" + base64.urlsafe_b64encode(value.encode()).decode().rstrip("="))
sys.stdout.flush()
sys.stdout.write("split:" + value[:4]); sys.stdout.flush(); time.sleep(1)
sys.stdout.write(value[4:] + "\\n")
raise SystemExit("failing with " + os.environ["DB_PASSWORD"])
'''


@pytest.fixture(scope="module")
def delivered(secret_server, tokens) -> dict:
    create_secret(secret_server, tokens["owner"], "deliv-db", VALUE)
    return {"token": tokens["owner"]}


def _forms() -> list[str]:
    raw = VALUE.encode()
    return [VALUE, base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("="),
            quote(VALUE, safe=""), quote_plus(VALUE)]


def _run(server, token, language: str, content: str) -> tuple[dict, str]:
    response = server.request("POST", "/scripts/executions", token=token, json={
        "language": language, "content": content, "secrets": {"DB_PASSWORD": "deliv-db"}})
    assert response.status_code == 202, response.text
    execution_id = json_of(response)["execution_id"]
    sse = sse_text(server, token, execution_id)  # live: the run sleeps between the two pieces
    return record(server, token, execution_id), sse


def test_a_bash_run_reads_its_secret_file_and_variable_and_prints_only_masks(secret_server, delivered, docker_client):
    result, sse = _run(secret_server, delivered["token"], "bash", BASH)
    assert result["status"] == "Succeeded", result
    stdout = result["stdout"]
    for line in ("fs:tmpfs", "readable", "write-refused", "still-there", "create-refused", "chmod-refused", "env-matches-file",
                 "plain:***", "split:***", "b64:***"):
        assert line in stdout.splitlines(), (line, stdout)
    assert "err:***" in result["stderr"]
    assert result["secrets"] == [{"name": "deliv-db", "owner": "sec-owner", "version": 1, "env": "DB_PASSWORD"}]
    _assert_nowhere(secret_server, [str(result), sse])
    streamed = "".join(data for event, data in parse_events(iter([sse.encode()])) if event == "stdout")
    assert streamed == stdout  # the live stream is the stored output, masked alike

    # Gone after the run: its container is removed, and the next run (in a
    # fresh pooled container) has an empty /run/secrets.
    host = next(line.split(":", 1)[1] for line in stdout.splitlines() if line.startswith("host:"))
    deadline = time.monotonic() + 60
    while _listed(docker_client, host) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _listed(docker_client, host)
    following = secret_server.request("POST", "/scripts/executions?wait=true", token=delivered["token"], json={
        "language": "bash", "content": 'echo "count:$(ls -A /run/secrets | wc -l)"; cat /run/secrets/deliv-db 2>&1 | head -c 200\n'})
    assert "count:0" in json_of(following)["stdout"], following.text


def test_a_python_run_sees_its_url_and_base64_forms_masked_and_its_error_too(secret_server, delivered):
    result, sse = _run(secret_server, delivered["token"], "python", PYTHON)
    assert result["status"] == "Failed", result
    for line in ("quote:***", "plus:***", "urlsafe:***", "split:***"):
        assert line in result["stdout"].splitlines(), (line, result["stdout"])
    assert "failing with ***" in result["stderr"]
    _assert_nowhere(secret_server, [str(result), sse])


def _assert_nowhere(server, answers: list[str]) -> None:
    on_disk = stored_bytes(server.data_dir)
    log = server.log_path.read_text(errors="replace")
    for form in _forms():
        assert form not in "\n".join(answers), form
        assert form.encode() not in on_disk, form
        assert form not in log, form


def test_the_engine_delivers_file_only_secrets_and_refuses_unresolved_ones(engine):
    secret = DeliveredSecret(name="param-token", owner="someone", version=3, env=None, value="file-only-" + VALUE)
    request = ExecutionRequest(language="bash", source='cat /run/secrets/param-token; echo; echo "env:${PARAM_TOKEN:-unset}"\n',
                               secret_files=("param-token",), delivered_secrets=(secret,))
    assert "file-only" not in repr(request) and "file-only" not in str(request.model_dump())
    result = engine.execute(request)
    assert result.status is ExecutionStatus.SUCCEEDED, result
    assert result.stdout == "***\nenv:unset\n"
    with pytest.raises(InvalidRequest, match="not resolved"):
        engine.execute(ExecutionRequest(language="bash", source="echo\n", secret_files=("param-token",)))


SECRET_PARAMETER = '''# /// stellascript
# [parameters.db_password]
# type = "secret"
# required = true
# ///
name=$(jq -r .db_password /scripts/args.json)
echo "named:$name"
echo "value:$(cat "/run/secrets/$name")"
env | grep -c "$(cat "/run/secrets/$name")" || true
jq -n --arg v "$(cat "/run/secrets/$name")" '{leaked: $v, ("k-" + $v): [$v]}' > "$STELLASCRIPT_OUTPUT"
'''


def test_a_secret_typed_parameter_delivers_its_secret_as_a_file_and_only_the_name_in_args(secret_server, delivered):
    token = delivered["token"]
    response = secret_server.request("POST", "/scripts/executions?wait=true", token=token, json={
        "language": "bash", "content": SECRET_PARAMETER, "arguments": {"db_password": "deliv-db"}})
    assert response.status_code == 200, response.text
    result = json_of(response)
    assert result["status"] == "Succeeded", result
    lines = result["stdout"].splitlines()
    # args.json names the secret; the file holds its value (masked in the output); no variable holds it.
    assert lines[:3] == ["named:deliv-db", "value:***", "0"], result["stdout"]
    assert result["secrets"] == [{"name": "deliv-db", "owner": "sec-owner", "version": 1, "env": None}]
    assert result["arguments"] == {"db_password": "deliv-db"}
    # The outputs a script publishes are masked too, keys and values.
    assert result["outputs"] == {"leaked": "***", "k-***": ["***"]}
    assert VALUE not in response.text
    # A secret the caller may not use is refused before anything runs, naming the parameter's secret.
    refused = secret_server.request("POST", "/scripts/executions", token=token, json={
        "language": "bash", "content": SECRET_PARAMETER, "arguments": {"db_password": "no-such-secret"}})
    assert refused.status_code in (400, 404), refused.text
    assert "no-such-secret" in refused.text


def _listed(docker_client, container_id: str) -> bool:
    """Whether the engine still lists the container. Podman answers a listing that
    races the container's removal with a 500 "no such container": gone, too."""
    try:
        return bool(docker_client.containers.list(all=True, filters={"id": container_id}))
    except docker.errors.APIError as error:
        if "no such container" in str(error):
            return False
        raise
