"""The notebook magics: a real IPython kernel (nbclient) against a real
``stellascript serve``, and against a real ``jupyter server`` it finds by
itself; plus the argument parsing and DataFrame shaping on their own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import requests
from nbclient import NotebookClient

from jupyter_stellascript.client import ClientError, StellaScriptClient
from jupyter_stellascript.magics import (
    RESULT_COLUMNS,
    MagicError,
    StellaScriptSession,
    argument_sets,
    describe_client_error,
    failure_note,
    parse_command,
    parse_output,
    parsed_frame,
    rank_servers,
    runs_frame,
)
from tests.servers import RunningServer, free_port

# Only Python and Bash run here: keep the other languages' pools empty.
POOLS = {"python": {"min_containers": 2}, "bash": {"min_containers": 1},
         **{name: {"min_containers": 0} for name in ("go", "java", "typescript", "csharp")}}

GREET = "import json\nargs = json.load(open('/scripts/args.json'))\nprint('hello ' + args.get('who', 'nobody'))\n"


# -- a real server and a real kernel ------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory, runtime_images):
    running = RunningServer(tmp_path_factory.mktemp("magics-server"), settings={"pool_sizes": POOLS}).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def token(server) -> str:
    return server.token("nb-user")


@pytest.fixture(scope="module")
def api(server, token) -> StellaScriptClient:
    return StellaScriptClient(f"http://127.0.0.1:{server.port}", token=token)


def kernel_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STELLASCRIPT_") or k == "STELLASCRIPT_DATA"}
    return {**env, **extra}


@pytest.fixture(scope="module")
def env(server, token) -> dict[str, str]:
    return kernel_env(STELLASCRIPT_URL=f"http://127.0.0.1:{server.port}", STELLASCRIPT_TOKEN=token)


def run_notebook(cells: list[str], env: dict[str, str], cwd: Path | None = None) -> list[dict]:
    """Execute %load_ext and then the cells in a fresh kernel; the executed cells (without the first)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in ["%load_ext jupyter_stellascript", *cells]]
    resources = {"metadata": {"path": str(cwd)}} if cwd else {}
    NotebookClient(nb, timeout=240, kernel_name="python3", allow_errors=True, resources=resources).execute(env=env)
    first = nb.cells[0]
    assert not first.outputs, f"%load_ext printed something: {first.outputs}"
    return nb.cells[1:]


def stream(cell, name: str) -> str:
    return "".join(output["text"] for output in cell.outputs if output["output_type"] == "stream" and output["name"] == name)


def errors_of(cell) -> list:
    return [output for output in cell.outputs if output["output_type"] == "error"]


def clean(cell) -> None:
    """Ran without an error output and without a word on stderr."""
    assert not errors_of(cell), errors_of(cell)
    assert stream(cell, "stderr") == "", stream(cell, "stderr")


def data_of(cell) -> dict:
    """What a cell printed with ``print(json.dumps(...))``."""
    clean(cell)
    return json.loads(stream(cell, "stdout"))


def one_error_line(cell, returned: bool = False) -> str:
    """Exactly one line on stderr, no traceback, no error output; a magic
    that failed returns None (returned: a run that failed still returns its row)."""
    assert not errors_of(cell), errors_of(cell)
    text = stream(cell, "stderr")
    assert "Traceback" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("stellascript: "), text
    results = [o for o in cell.outputs if o["output_type"] == "execute_result"]
    assert bool(results) == returned, results
    return lines[0]


def frame_json(variable: str) -> str:
    return (f"import json\nprint(json.dumps({{'type': type({variable}).__name__, 'columns': [str(c) for c in {variable}.columns], "
            f"'rows': json.loads({variable}.to_json(orient='records', date_format='iso'))}}))")


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


# -- runs ------------------------------------------------------------------------------------------


def test_run_a_registry_script_by_name_and_by_id(api, env):
    name = unique("greet")
    script = api.create_script(name=name, language="python", content=GREET)
    api.update_script(script["id"], content=GREET.replace("hello", "hi"))
    cells = run_notebook([
        f"df = %stellascript run {name} --arg who=notebook --timeout 60s",
        frame_json("df"),
        f"by_id = %stellascript run {script['id']} --version 1.0.0 --arg who={{df.shape[0]}} --env UNUSED=1",
        frame_json("by_id"),
        f"%stellascript run {name}",
    ], env)
    clean(cells[0])
    result = data_of(cells[1])
    assert result["type"] == "DataFrame"
    assert result["columns"] == RESULT_COLUMNS
    [row] = result["rows"]
    assert (row["name"], row["script_id"], row["version"]) == (name, script["id"], "1.0.1")
    assert (row["status"], row["exit_code"], row["stdout"], row["stderr"]) == ("Succeeded", 0, "hi notebook\n", "")
    assert row["duration_ms"] > 0 and row["started_at"] and row["completed_at"]
    record = api.get_execution(row["execution_id"])
    assert record["arguments"] == {"who": "notebook"} and record["timeout"] == 60
    assert stream(cells[2], "stderr") == "", stream(cells[2], "stderr")
    [old] = data_of(cells[3])["rows"]
    assert (old["version"], old["stdout"]) == ("1.0.0", "hello 1\n")  # IPython expanded {df.shape[0]}
    assert api.get_execution(old["execution_id"])["environment_keys"] == ["UNUSED"]
    # The last expression shows the DataFrame itself.
    shown = [o for o in cells[4].outputs if o["output_type"] == "execute_result"]
    assert shown and "text/html" in shown[0]["data"] and "hi nobody" in shown[0]["data"]["text/plain"]


PUBLISH = ("import json, os\nargs = json.load(open('/scripts/args.json'))\n"
           "json.dump({'summary': 'checked ' + args['who'], 'count': len(args['who'])}, open(os.environ['STELLASCRIPT_OUTPUT'], 'w'))\n")


def test_published_outputs_become_columns(api, env):
    name = unique("publish")
    api.create_script(name=name, language="python", content=PUBLISH)
    cells = run_notebook([f"df = %stellascript run {name} --arg who=disk", frame_json("df")], env)
    clean(cells[0])
    result = data_of(cells[1])
    assert result["columns"] == [*RESULT_COLUMNS, "outputs.summary", "outputs.count"]
    [row] = result["rows"]
    assert (row["status"], row["outputs.summary"], row["outputs.count"]) == ("Succeeded", "checked disk", 4)
    assert api.get_execution(row["execution_id"])["outputs"] == {"summary": "checked disk", "count": 4}


SECRET_USER = ("import os\nvalue = os.environ['DB_PASSWORD']\n"
               "print('length', len(value), 'file matches', open('/run/secrets/' + os.environ['SECRET_NAME']).read() == value)\n"
               "print('leaked:', value)\n")


def test_a_secret_is_delivered_to_a_run_and_masked_in_its_frame(api, env):
    name, secret = unique("uses-secret"), unique("db-password")
    api.create_secret(name=secret, value="s3cr3t-from-notebook")
    api.create_script(name=name, language="python", content=SECRET_USER)
    cells = run_notebook([
        f"df = %stellascript run {name} --secret DB_PASSWORD={secret} --env SECRET_NAME={secret}", frame_json("df"),
        f"%stellascript run {name} --secret DB_PASSWORD=no-such-secret-{secret}",
    ], env)
    clean(cells[0])
    [row] = data_of(cells[1])["rows"]
    assert (row["status"], row["stdout"]) == ("Succeeded", "length 20 file matches True\nleaked: ***\n")
    assert [s["name"] for s in api.get_execution(row["execution_id"])["secrets"]] == [secret]
    assert "no-such-secret" in one_error_line(cells[2])


BATCH = """import json, time
args = json.load(open('/scripts/args.json'))
n = int(args['n'])
time.sleep(0.3 * (5 - n))  # the first rows finish last
print(f"{args['who']}:{n * n}:{args.get('common', '-')}")
"""


def test_a_batch_from_a_dataframe_runs_in_parallel_and_keeps_the_input_order(api, env):
    name = unique("batch")
    api.create_script(name=name, language="python", content=BATCH)
    cells = run_notebook([
        "import pandas as pd\ninputs = pd.DataFrame({'who': ['a', 'b', 'c', 'd', 'e'], 'n': [1, 2, 3, 4, 5]})",
        f"out = %stellascript run {name} --args-from inputs --arg common=shared",
        frame_json("out"),
        "pairs = [{'who': 'x', 'n': 2}, {'who': 'y', 'n': 4, 'common': 'own'}]",
        f"small = %stellascript run {name} --args-from pairs --no-progress",
        frame_json("small"),
    ], env)
    clean(cells[0])
    assert not errors_of(cells[1])
    progress = stream(cells[1], "stderr")
    assert "5/5" in progress and "Traceback" not in progress, progress  # tqdm's bar, nothing else
    result = data_of(cells[2])
    assert result["columns"] == ["common", "who", "n", *RESULT_COLUMNS]
    rows = result["rows"]
    assert [row["who"] for row in rows] == ["a", "b", "c", "d", "e"]
    assert [row["n"] for row in rows] == ["1", "2", "3", "4", "5"]  # values are passed as text
    assert [row["stdout"] for row in rows] == [f"{w}:{n * n}:shared\n" for w, n in zip("abcde", range(1, 6))]
    assert {row["status"] for row in rows} == {"Succeeded"}
    assert len({row["execution_id"] for row in rows}) == 5
    # All were submitted before any was waited for: some ran at the same time.
    spans = sorted((pd.Timestamp(row["started_at"]), pd.Timestamp(row["completed_at"])) for row in rows)
    assert any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:])), spans
    clean(cells[4])
    small = data_of(cells[5])["rows"]
    assert [(row["who"], row["common"], row["stdout"]) for row in small] == [("x", None, "x:4:-\n"), ("y", "own", "y:16:own\n")]


JSON_OUT = """import json
args = json.load(open('/scripts/args.json'))
k = int(args.get('k', '1'))
print(json.dumps([{"item": f"i{j}", "value": j * k} for j in range(3)]))
"""
CSV_OUT = "import csv, sys\nw = csv.writer(sys.stdout)\nw.writerow(['host', 'ms'])\nw.writerows([['a', 12], ['b', 7]])\n"


def test_parse_json_and_csv_output_into_the_dataframe(api, env):
    as_json, as_csv = unique("as-json"), unique("as-csv")
    api.create_script(name=as_json, language="python", content=JSON_OUT)
    api.create_script(name=as_csv, language="python", content=CSV_OUT)
    cells = run_notebook([
        f"j = %stellascript run {as_json} --parse json --arg k=10",
        frame_json("j"),
        f"c = %stellascript run {as_csv} --parse csv",
        frame_json("c"),
        f"ks = [{{'k': '1'}}, {{'k': '2'}}]\nboth = %stellascript run {as_json} --parse json --args-from ks",
        frame_json("both"),
        f"%stellascript run {as_csv} --parse json",
    ], env)
    clean(cells[0])
    parsed = data_of(cells[1])
    assert parsed["columns"] == ["item", "value"]
    assert parsed["rows"] == [{"item": "i0", "value": 0}, {"item": "i1", "value": 10}, {"item": "i2", "value": 20}]
    clean(cells[2])
    assert data_of(cells[3])["rows"] == [{"host": "a", "ms": 12}, {"host": "b", "ms": 7}]
    assert not errors_of(cells[4])
    both = data_of(cells[5])
    assert both["columns"] == ["k", "item", "value"]
    assert [(r["k"], r["item"], r["value"]) for r in both["rows"]] == [
        ("1", "i0", 0), ("1", "i1", 1), ("1", "i2", 2), ("2", "i0", 0), ("2", "i1", 2), ("2", "i2", 4)]
    line = one_error_line(cells[6])
    assert as_csv in line and "not JSON" in line, line


def test_run_the_cell_in_python_and_in_bash(env):
    cells = run_notebook([
        "%%stellascript run --language python --arg who=cell\nimport json, sys\n"
        "print('py', json.load(open('/scripts/args.json'))['who'], sys.version_info[0])",
        "%%stellascript run --language bash --arg who=shell --env GREETING=hey\n"
        "echo \"$GREETING $(jq -r .who /scripts/args.json)\"\necho oops >&2\nexit 3",
        "rows = %stellascript run --language python",  # a line without a script
        "%%stellascript run --language bash --parse jsonl\nfor i in 1 2; do echo \"{\\\"i\\\": $i}\"; done",
        "%%stellascript run --language python --parse jsonl\nfor i in range(3): print('{\"i\": %d}' % i)",
    ], env)
    python = [o for o in cells[0].outputs if o["output_type"] == "execute_result"]
    clean(cells[0])
    assert "py cell 3" in python[0]["data"]["text/plain"], python
    bash = [o for o in cells[1].outputs if o["output_type"] == "execute_result"]
    assert bash and "hey shell" in bash[0]["data"]["text/plain"]
    # A run that fails still returns its row, and says so in one line.
    assert "the cell ended Failed with exit code 3: oops" in one_error_line(cells[1], returned=True)
    assert "which script?" in one_error_line(cells[2])
    clean(cells[3])
    shown = [o for o in cells[3].outputs if o["output_type"] == "execute_result"][0]["data"]["text/plain"]
    assert shown.split() == ["i", "0", "1", "1", "2"], shown
    clean(cells[4])
    shown = [o for o in cells[4].outputs if o["output_type"] == "execute_result"][0]["data"]["text/plain"]
    assert shown.split() == ["i", "0", "0", "1", "1", "2", "2"], shown


def test_the_cell_dataframe_has_no_script(env):
    cells = run_notebook([
        "%%stellascript run --language python --arg a=1\nprint('x')",
        "df = _\n" + frame_json("df"),
    ], env)
    clean(cells[0])
    [row] = data_of(cells[1])["rows"]
    assert (row["name"], row["script_id"], row["version"], row["stdout"], row["status"]) == ("(cell)", None, None, "x\n", "Succeeded")


def test_save_the_cell_then_run_it_by_name(api, env):
    name = unique("saved")
    cells = run_notebook([
        f"%%stellascript save {name} --language python --tag notebook --visibility organization\nprint('first')",
        f"first = %stellascript run {name}\n" + frame_json("first"),
        f"%%stellascript save {name} --language python\nprint('second')",
        f"second = %stellascript run {name}\n" + frame_json("second"),
        f"%%stellascript save {name} --language python\nprint('second')",
        f"%%stellascript save {name} --language bash\necho no",
        f"%%stellascript save {unique('broken')} --language python\nok = 1\nx = (\n",
    ], env)
    clean(cells[0])
    saved = stream(cells[0], "stdout")
    assert saved.startswith(f"saved {name!r} 1.0.0 (python, organization) as a new script, id "), saved
    [first] = data_of(cells[1])["rows"]
    assert (first["stdout"], first["version"]) == ("first\n", "1.0.0")
    clean(cells[2])
    assert f"saved {name!r} 1.0.1 (python, organization), a new patch version of" in stream(cells[2], "stdout")
    [second] = data_of(cells[3])["rows"]
    assert (second["stdout"], second["version"], second["script_id"]) == ("second\n", "1.0.1", first["script_id"])
    clean(cells[4])
    assert "unchanged at 1.0.1" in stream(cells[4], "stdout")
    assert "is python, not bash" in one_error_line(cells[5])
    broken = one_error_line(cells[6])
    assert "not saved" in broken and "line 2:5: '(' was never closed" in broken, broken  # the syntax check's position
    [script] = [s for s in api.list_scripts(q=name)["items"] if s["name"] == name]
    assert (script["tags"], script["created_by"], script["latest_version"]) == (["notebook"], "nb-user", "1.0.1")


def test_errors_are_one_line_without_a_traceback(api, server, token, env):
    # Names are unique per owner: an ambiguous name is two owners' scripts that nb-user (who has none) can read.
    twice = unique("twice")
    for owner in ("nb-owner-a", "nb-owner-b"):
        StellaScriptClient(f"http://127.0.0.1:{server.port}", token=server.token(owner)).create_script(
            name=twice, language="python", content="print(1)\n", visibility="organization")
    cells = run_notebook([
        "%stellascript run no-such-script-anywhere",
        f"%stellascript run {twice}",
        "%stellascript run x --arg novalue",
        "%stellascript run x --network sideways",
        "%stellascript run 00000000-0000-0000-0000-000000000000",
        "%stellascript run x --args-from missing_variable",
        "%%stellascript run --language cobol\nDISPLAY 'HI'.",
        "%%stellascript run --language python --timeout 999h\nprint(1)",
        "%stellascript frobnicate",
        "%stellascript connect",
        f"%stellascript connect http://127.0.0.1:{server.port} --token sst_not-a-token",
        "%stellascript connect http://127.0.0.1:9 --token x",
        "%stellascript connect",  # still the first connection
        f"%stellascript connect http://127.0.0.1:{server.port}",
        "%%stellascript run --language bash\necho anonymous",
    ], env)
    assert "no script named 'no-such-script-anywhere'" in one_error_line(cells[0])
    assert f"2 scripts are named {twice!r}: nb-owner-a/{twice}, nb-owner-b/{twice}" in one_error_line(cells[1])
    assert "--arg takes KEY=VALUE, not 'novalue'" in one_error_line(cells[2])
    assert "invalid choice: 'sideways'" in one_error_line(cells[3])
    assert "no script 00000000-0000-0000-0000-000000000000" in one_error_line(cells[4])
    assert "there is no such variable" in one_error_line(cells[5])
    assert "unknown language 'cobol'" in one_error_line(cells[6])
    assert "refused: 400" in one_error_line(cells[7]) and "timeout" in stream(cells[7], "stderr")
    assert "invalid choice: 'frobnicate'" in one_error_line(cells[8])
    clean(cells[9])
    assert stream(cells[9], "stdout").strip() == (f"connected to http://127.0.0.1:{server.port}/stellascript/api/v1 as nb-user "
                                                  "(engine ready; from STELLASCRIPT_URL)")
    assert "does not accept this token (401)" in one_error_line(cells[10])
    assert "cannot reach the Stella Script server at http://127.0.0.1:9: connection refused" in one_error_line(cells[11])
    assert "as nb-user" in stream(cells[12], "stdout")
    clean(cells[13])
    assert "anonymously (engine ready; %stellascript connect)" in stream(cells[13], "stdout")
    assert "401" in one_error_line(cells[14]) and "ad-hoc code needs an authenticated user" in stream(cells[14], "stderr")


# -- finding the Jupyter server by itself ------------------------------------------------------------


class JupyterServer:
    """`jupyter server` with the extension, its own runtime, config and data folders."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root, self.home = root, home
        self.port = free_port()
        self.token = "nb-" + uuid.uuid4().hex
        self.env = kernel_env(JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
                              STELLASCRIPT_DATA=str(home / "data"))
        self.process: subprocess.Popen | None = None

    def start(self) -> "JupyterServer":
        (self.home / "config").mkdir(parents=True)
        (self.home / "config" / "jupyter_server_config.py").write_text(f"c.StellaScript.pool_sizes = {POOLS!r}\n")
        command = [str(Path(sys.executable).with_name("jupyter-server")), "--no-browser", "--ip=127.0.0.1",
                   f"--port={self.port}", f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={self.root}",
                   "--ServerApp.port_retries=0"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        self.log = open(self.home / "jupyter.log", "ab")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 180
        health = f"http://127.0.0.1:{self.port}/stellascript/api/v1/health"
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.home / "jupyter.log").read_text()[-3000:]
            try:
                answer = requests.get(health, headers={"Authorization": f"token {self.token}"}, timeout=2)
                if answer.status_code == 200 and answer.json().get("engine") == "ready":
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise TimeoutError((self.home / "jupyter.log").read_text()[-3000:])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.log.close()


@pytest.fixture()
def jupyter_server(tmp_path, runtime_images):
    root = tmp_path / "notebooks"
    (root / "project" / "analysis").mkdir(parents=True)
    running = JupyterServer(root, tmp_path / "home").start()
    yield running
    running.stop()


def test_a_kernel_finds_its_jupyter_server_without_configuration(jupyter_server):
    lab = StellaScriptClient(f"http://127.0.0.1:{jupyter_server.port}", token=jupyter_server.token)
    name = unique("lab-script")
    lab.create_script(name=name, language="python", content=GREET)
    env = jupyter_server.env
    assert not [key for key in env if key.startswith("STELLASCRIPT_") and key != "STELLASCRIPT_DATA"]
    cells = run_notebook([
        "%stellascript connect",
        f"df = %stellascript run {name} --arg who=lab\n" + frame_json("df"),
        "%%stellascript run --language bash\necho from the cell",
    ], env, cwd=jupyter_server.root / "project" / "analysis")
    clean(cells[0])
    where = stream(cells[0], "stdout")
    assert where.startswith(f"connected to http://127.0.0.1:{jupyter_server.port}/stellascript/api/v1 as "), where
    assert f"the Jupyter server of {jupyter_server.root}" in where, where
    [row] = data_of(cells[1])["rows"]
    assert (row["name"], row["status"], row["stdout"]) == (name, "Succeeded", "hello lab\n")
    clean(cells[2])
    # The same kernel outside every server's root, with another server about: nothing is guessed.
    other = jupyter_server.home / "elsewhere"
    other.mkdir()
    cells = run_notebook(["%stellascript connect"], {**env, "JUPYTER_RUNTIME_DIR": str(jupyter_server.home / "empty")}, cwd=other)
    assert "no running Jupyter server was found" in one_error_line(cells[0])


# -- no server needed --------------------------------------------------------------------------------------


def test_parsing_the_magic_line():
    command = parse_command("run report --version 1.2.0 --arg day=mon --arg q=a=b --env K=V --timeout 2m --network bridge", None)
    assert (command.command, command.target, command.version, command.timeout, command.network) == ("run", "report", "1.2.0", 120.0, "bridge")
    assert command.arguments == {"day": "mon", "q": "a=b"} and command.environment == {"K": "V"}
    cell = parse_command("run --language py --arg who='two words' --parse csv", "print(1)")
    assert (cell.target, cell.language, cell.arguments, cell.parse) == (None, "python", {"who": "two words"}, "csv")
    save = parse_command("save nightly --language sh --tag ops --tag nightly --visibility team", "echo")
    assert (save.command, save.target, save.language, save.tags, save.visibility, save.bump) == ("save", "nightly", "bash", ["ops", "nightly"], "team", "patch")
    assert parse_command("connect http://h:1 --token t", None).token == "t"
    for line, cell, message in [
        ("", None, "what should it do?"),
        ("run", None, "which script?"),
        ("run x", "print(1)", "runs the cell"),
        ("run --language python", "", None),
        ("run x --language python", None, "--language and --entry-point are for"),
        ("run --arg a=1", "x", "the cell's language is needed"),
        ("run x --timeout soon", None, "--timeout: 'soon' is not a duration"),
        ("run x --env =v", None, "--env takes KEY=VALUE"),
        ("run x --parse xml", None, "invalid choice: 'xml'"),
        ("save x --language python", None, "save is a cell magic"),
        ("save x", "y", "the cell's language is needed"),
        ("save x --language cobol", "y", "unknown language 'cobol'"),
        ("connect --token t", None, "--token goes with a URL"),
        ("run 'unclosed", None, "cannot read the line"),
    ]:
        if message is None:
            parse_command(line, cell)
            continue
        with pytest.raises(MagicError) as raised:
            parse_command(line, cell)
        assert message in str(raised.value), (line, str(raised.value))
        assert "\n" not in str(raised.value)


def test_usage_errors_and_help_print_without_a_traceback(capsys):
    session = StellaScriptSession()
    assert session("run x --network nowhere") is None
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("stellascript: argument --network"), captured.err
    assert session("run -h") is None
    captured = capsys.readouterr()
    assert "--args-from VAR" in captured.out and captured.err == ""


def test_argument_sets_from_a_dataframe_or_a_list_of_dicts():
    frame = pd.DataFrame({"host": ["a", "b"], "port": [80, 443], "ratio": [0.5, None]})
    assert argument_sets(frame, "frame") == [{"host": "a", "port": "80", "ratio": "0.5"}, {"host": "b", "port": "443", "ratio": "nan"}]
    assert argument_sets([{"a": 1}, {"b": True}], "rows") == [{"a": "1"}, {"b": "True"}]
    with pytest.raises(MagicError, match="has no rows"):
        argument_sets(frame.iloc[0:0], "empty")
    with pytest.raises(MagicError, match="expected a DataFrame or a list of dicts, not str"):
        argument_sets("a=1", "text")
    with pytest.raises(MagicError, match="not list"):
        argument_sets([1, 2], "numbers")


def record(n: int, **extra) -> dict:
    base = {"id": f"e{n}", "execution_id": f"e{n}", "script_id": "s", "script_version": "1.0.0", "status": "Succeeded",
            "exit_code": 0, "duration_ms": 10 + n, "stdout": f"out{n}\n", "stderr": "", "started_at": "2026-01-01T00:00:00+00:00",
            "completed_at": "2026-01-01T00:00:01.500000+00:00", "termination_reason": None, "error": None}
    return {**base, **extra}


def test_the_runs_dataframe_shape():
    single = runs_frame([record(1)], "report")
    assert list(single.columns) == RESULT_COLUMNS and len(single) == 1
    assert single.loc[0, "name"] == "report" and single.loc[0, "stdout"] == "out1\n"
    assert str(single["exit_code"].dtype) == "Int64" and single["completed_at"].dt.tz is not None
    unfinished = runs_frame([record(2, exit_code=None, duration_ms=None, started_at=None, completed_at=None, status="Error")], "r")
    assert pd.isna(unfinished.loc[0, "exit_code"]) and pd.isna(unfinished.loc[0, "started_at"])
    batch = runs_frame([record(1), record(2)], "report", [{"who": "a", "status": "x"}, {"who": "b"}])
    assert list(batch.columns) == ["who", "arg_status", *RESULT_COLUMNS]
    assert batch["who"].tolist() == ["a", "b"]
    assert batch.loc[0, "arg_status"] == "x" and pd.isna(batch.loc[1, "arg_status"])
    assert batch["execution_id"].tolist() == ["e1", "e2"]
    published = runs_frame([record(1, outputs={"ok": True, "n": 1}), record(2), record(3, outputs={"n": 3})], "r")
    assert list(published.columns) == [*RESULT_COLUMNS, "outputs.ok", "outputs.n"]
    assert published["outputs.n"].tolist()[0::2] == [1, 3] and pd.isna(published.loc[1, "outputs.n"])


def test_parsing_stdout():
    nested = parse_output('[{"a": 1, "b": {"c": 2}}, {"a": 3, "b": {"c": 4}}]', "json", "r")
    assert nested.to_dict("list") == {"a": [1, 3], "b.c": [2, 4]}
    assert parse_output('{"x": [1, 2], "y": ["a", "b"]}', "json", "r").to_dict("list") == {"x": [1, 2], "y": ["a", "b"]}
    assert parse_output('{"ok": true, "n": 3}', "json", "r").to_dict("records") == [{"ok": True, "n": 3}]
    assert parse_output("[1, 2, 3]", "json", "r")["value"].tolist() == [1, 2, 3]
    assert parse_output('{"i": 1}\n\n{"i": 2}\n', "jsonl", "r")["i"].tolist() == [1, 2]
    assert parse_output("", "jsonl", "r").empty
    assert parse_output("a,b\n1,x\n2,y\n", "csv", "r").to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}
    for text, fmt, message in [("", "json", "r: stdout is empty, not JSON"), ("{oops", "json", "r: stdout is not JSON"),
                               ('{"i": 1}\nnope\n', "jsonl", "r: stdout line 2 is not JSON"), ("  \n", "csv", "stdout is empty, not CSV"),
                               ('a,b\n"1,2\n', "csv", "r: stdout is not CSV")]:
        with pytest.raises(MagicError) as raised:
            parse_output(text, fmt, "r")
        assert message in str(raised.value) and "\n" not in str(raised.value)


def test_parsed_batches_put_the_arguments_first_and_name_a_failing_run():
    records = [record(1, stdout='[{"v": 1}, {"v": 2}]'), record(2, stdout='[{"v": 3, "k": "own"}]')]
    frame = parsed_frame(records, "json", ["run 1 of 2 (k=a)", "run 2 of 2 (k=b)"], [{"k": "a"}, {"k": "b"}])
    assert list(frame.columns) == ["arg_k", "v", "k"]  # the output has a k of its own
    assert frame["arg_k"].tolist() == ["a", "a", "b"] and frame["v"].tolist() == [1, 2, 3]
    assert frame["k"].isna().tolist() == [True, True, False]
    broken = [record(1, stdout="[]"), record(2, stdout="Traceback", status="Failed", exit_code=1)]
    with pytest.raises(MagicError, match=r"^run 2 of 2 \(k=b\) \(ended Failed, exit code 1\): stdout is not JSON"):
        parsed_frame(broken, "json", ["run 1 of 2 (k=a)", "run 2 of 2 (k=b)"], [{"k": "a"}, {"k": "b"}])


def test_failure_notes():
    assert failure_note([record(1)], ["'r'"]) is None
    failed = record(1, status="Failed", exit_code=2, stderr="line one\nValueError: bad input\n")
    assert failure_note([failed], ["'r'"]) == "'r' ended Failed with exit code 2: ValueError: bad input"
    assert failure_note([record(1), failed, failed], ["a", "b", "c"]) == "2 of 3 runs did not succeed (rows 1, 2; see status, exit_code and stderr)"
    timed_out = record(1, status="TimedOut", exit_code=None, error="timed out after 1s")
    assert failure_note([timed_out], ["the cell"]) == "the cell ended TimedOut: timed out after 1s"


def test_client_errors_read_as_one_line():
    invalid = ClientError(400, "x", [{"field": "content", "message": "invalid syntax", "line": 3, "column": 5},
                                     {"field": "tags", "message": "tags must be\na list"}])
    assert describe_client_error(invalid, "'job'") == "400 invalid request: 'job' line 3:5: invalid syntax; tags: tags must be a list"
    assert describe_client_error(ClientError(401, "the API token is not valid")).startswith("401 the API token is not valid (set STELLASCRIPT_TOKEN")


def test_choosing_among_running_jupyter_servers(tmp_path):
    outer, inner, other = tmp_path / "home", tmp_path / "home" / "work", tmp_path / "other"
    for folder in (inner / "deep", other):
        folder.mkdir(parents=True)
    servers = [{"pid": 1, "root_dir": str(outer)}, {"pid": 2, "root_dir": str(other)}, {"pid": 3, "root_dir": str(inner)}]
    assert [s["pid"] for s in rank_servers(servers, str(inner / "deep"))] == [3, 1]
    assert [s["pid"] for s in rank_servers(servers, str(inner / "deep"), parent_pid=2)] == [2, 3, 1]
    assert rank_servers(servers, str(tmp_path)) == []
    assert rank_servers(servers[1:2], str(tmp_path)) == servers[1:2]  # the only one
    assert rank_servers([{"pid": 4, "notebook_dir": str(outer)}], str(outer)) == [{"pid": 4, "notebook_dir": str(outer)}]


def test_a_long_run_shows_a_progress_line_and_its_frame_reads_well(api, env):
    name = unique("slow")
    api.create_script(name=name, language="python", content="import time\nprint('first line')\ntime.sleep(3)\nprint('second line')\n")
    [cell] = run_notebook([f"%stellascript run {name}"], env)
    clean(cell)
    lines = [output["data"]["text/plain"] for output in cell.outputs if output["output_type"] == "display_data"]
    # One line, updated in place while it ran (nbclient applies the updates), saying how it ended.
    assert len(lines) == 1 and re.fullmatch(rf"'{name}' Succeeded in \d+\.\d s", lines[0]), lines
    [result] = [output for output in cell.outputs if output["output_type"] == "execute_result"]
    html = result["data"]["text/html"]
    headers = re.findall(r'<th id="T_\w+_level0_col\d+" class="col_heading level0 col\d+" >(\w+)</th>', html)
    assert headers[:4] == ["status", "exit_code", "duration_ms", "stdout"], headers
    assert "white-space: pre-wrap" in html and "first line\nsecond line\n" in html
