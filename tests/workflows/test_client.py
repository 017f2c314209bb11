"""``stellascript workflow`` and ``%stellascript workflow run`` against a real server and real containers."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.servers import RunningServer, json_of
from tests.test_client_cli import cli, no_traceback
from tests.test_magics import data_of, frame_json, kernel_env, one_error_line, run_notebook

pytestmark = pytest.mark.slow

POOLS = {"python": {"min_containers": 1}, "bash": {"min_containers": 2},
         **{name: {"min_containers": 0} for name in ("go", "java", "typescript", "csharp")}}
# Publishes {"greeting": "hello <who>"}; fails when who is "nobody".
GREET = """who=$(jq -r '.who' /scripts/args.json)
jq -n --arg g "hello $who" '{greeting: $g}' > "$STELLASCRIPT_OUTPUT"
test "$who" != nobody
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, runtime_images):
    running = RunningServer(tmp_path_factory.mktemp("workflow-client"), settings={"pool_sizes": POOLS}).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def token(server) -> str:
    return server.token("wf-user")


@pytest.fixture(scope="module")
def greet(server, token) -> dict:
    return json_of(server.request("POST", "/scripts", token=token, json={
        "name": f"greet-{uuid.uuid4().hex[:6]}", "language": "bash", "content": GREET}))


def test_cli_runs_a_local_file_with_local_and_registry_scripts(server, token, greet, tmp_path):
    (tmp_path / "shout.sh").write_text('jq -n --arg s "$(jq -r .text /scripts/args.json | tr a-z A-Z)" '
                                       '\'{shout: $s}\' > "$STELLASCRIPT_OUTPUT"\n')
    (tmp_path / "release.workflow.yaml").write_text(f"""
inputs:
  who: {{type: string, required: true}}
steps:
  - id: greet
    script: {greet['name']}
    arguments: {{who: "${{{{ inputs.who }}}}"}}
  - id: shout
    needs: [greet]
    script: shout.sh
    arguments: {{text: "${{{{ steps.greet.outputs.greeting }}}}"}}
""")
    result = cli(server, "workflow", "run", str(tmp_path / "release.workflow.yaml"), "--input", "who=cli", token=token)
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["STEP", "STATUS", "ATTEMPTS"]
    assert lines[1].split()[:2] == ["greet", "Succeeded"] and '{"greeting": "hello cli"}' in lines[1]
    assert lines[2].split()[:2] == ["shout", "Succeeded"] and '{"shout": "HELLO CLI"}' in lines[2]
    live = result.stderr.splitlines()
    assert any(line.split()[1:] == ["greet", "Running"] for line in live), result.stderr
    assert any(line.split()[1:] == ["shout", "Succeeded"] for line in live), result.stderr
    # The local file became the user's private registry script; an unchanged file reuses it.
    again = cli(server, "workflow", "run", str(tmp_path / "release.workflow.yaml"), "--input", "who=x", "--json", token=token)
    assert again.returncode == 0, again.stderr
    run = json.loads(again.stdout)
    shout = next(step for step in run["steps"] if step["id"] == "shout")
    assert (shout["script"]["name"], shout["script"]["version"]) == ("shout", "1.0.0")
    failed = cli(server, "workflow", "run", str(tmp_path / "release.workflow.yaml"), "--input", "who=nobody", token=token)
    assert failed.returncode == 1 and "Failed" in failed.stdout and "Skipped" in failed.stdout


def test_cli_mirrors_the_rest_calls(server, token, greet, tmp_path):
    name = f"flow-{uuid.uuid4().hex[:6]}"
    definition = tmp_path / "flow.yaml"
    definition.write_text(f"name: {name}\nsteps:\n  - {{id: one, script: {greet['name']}, arguments: {{who: saved}}}}\n")
    created = cli(server, "workflow", "create", str(definition), "--tag", "cli", token=token)
    assert created.returncode == 0, created.stderr
    workflow_id = created.stdout.strip()
    listed = cli(server, "workflow", "list", "--tag", "cli", token=token)
    assert name in listed.stdout and workflow_id in listed.stdout
    ran = cli(server, "workflow", "run", name, "--quiet", token=token)
    assert ran.returncode == 0 and "hello saved" in ran.stdout, ran.stderr
    runs = cli(server, "workflow", "runs", "--workflow-id", workflow_id, "--json", token=token)
    [run] = json.loads(runs.stdout)["items"]
    status = cli(server, "workflow", "status", run["id"], token=token)
    assert status.returncode == 0 and "one" in status.stdout
    updated = cli(server, "workflow", "update", workflow_id, token=token)
    assert updated.returncode == 0 and "1.1.0" in updated.stderr
    versions = cli(server, "workflow", "versions", workflow_id, token=token)
    assert "1.1.0" in versions.stdout and f"one={greet['name']}@1.0.0" in versions.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - {id: one, script: nope, needs: [zero]}\n")
    refused = cli(server, "workflow", "create", str(bad), "--name", "bad", token=token)
    assert refused.returncode == 1 and "definition.steps[0].needs:2: unknown step 'zero'" in refused.stderr  # with its line
    no_traceback(refused)


def test_magics_return_one_row_per_step(server, token, greet):
    name = f"nb-flow-{uuid.uuid4().hex[:6]}"
    created = server.request("POST", "/workflows", token=token, json={"name": name, "definition": f"""
inputs: {{who: {{type: string, default: nobody}}}}
steps:
  - {{id: hello, script: {greet['name']}, arguments: {{who: "${{{{ inputs.who }}}}"}}}}
  - {{id: after, script: {greet['name']}, needs: [hello], arguments: {{who: "again"}}}}
"""})
    assert created.status_code == 201, created.text
    env = kernel_env(STELLASCRIPT_URL=f"http://127.0.0.1:{server.port}", STELLASCRIPT_TOKEN=token)
    cells = run_notebook([
        f"df = %stellascript workflow run {name} --input who=notebook",
        frame_json("df"),
        f"%%stellascript workflow run\nsteps:\n  - {{id: solo, script: {greet['name']}, arguments: {{who: cell}}}}\n",
        "cell_df = _\n" + frame_json("cell_df"),
        f"failed = %stellascript workflow run {name}",
        "import json\nprint(json.dumps(failed['status'].tolist()))",
    ], env)
    result = data_of(cells[1])
    assert result["columns"] == ["id", "status", "attempts", "duration_ms", "exit_code", "error", "execution_ids",
                                 "started_at", "completed_at", "outputs.greeting"]
    hello, after = result["rows"]
    assert (hello["id"], hello["status"], hello["attempts"], hello["exit_code"]) == ("hello", "Succeeded", 1, 0)
    assert hello["outputs.greeting"] == "hello notebook" and after["outputs.greeting"] == "hello again"
    assert hello["duration_ms"] > 0 and len(hello["execution_ids"]) == 1
    [solo] = data_of(cells[3])["rows"]
    assert (solo["id"], solo["outputs.greeting"]) == ("solo", "hello cell")
    # A run that fails still gives its steps, with one line saying so.
    line = one_error_line(cells[4])
    assert "ended Failed (steps hello)" in line, line
    assert data_of(cells[5]) == ["Failed", "Skipped"]
