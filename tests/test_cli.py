"""The ``stellascript`` command, run as a user runs it: a subprocess on real
files, real containers behind it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jupyter_stellascript.languages import LANGUAGES

pytestmark = pytest.mark.slow

MIB = 1024 * 1024
_SIBLING = Path(sys.executable).with_name("stellascript")
STELLASCRIPT = [str(_SIBLING)] if _SIBLING.exists() else [sys.executable, "-m", "jupyter_stellascript.cli"]
UNREACHABLE = "unix:///nonexistent.sock"

GREET = """import json, os, sys
args = json.load(open("/scripts/args.json"))
print(f"hello {args['who']}, {os.environ['MOOD']}")
print("a note for stderr", file=sys.stderr)
sys.exit(7)
"""
SLEEPER = "import time\nprint('going to sleep', flush=True)\ntime.sleep(60)\nprint('woke up')\n"


def stellascript(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*STELLASCRIPT, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def one_line_error(stderr: str) -> str:
    """The only line of stderr, checked to be a plain error (no traceback)."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# -- running scripts -----------------------------------------------------------------


@pytest.mark.usefixtures("runtime_images")
def test_run_passes_arguments_and_environment_and_exits_with_the_scripts_code(tmp_path: Path) -> None:
    write(tmp_path, "greet.py", GREET)

    finished = stellascript("run", "greet.py", "--arg", "who=Ada", "--env", "MOOD=cheerful", cwd=tmp_path)

    assert finished.returncode == 7, finished.stderr
    assert finished.stdout == "hello Ada, cheerful\n"
    assert finished.stderr == "a note for stderr\n"


@pytest.mark.usefixtures("runtime_images")
def test_run_streams_output_while_the_script_runs(tmp_path: Path) -> None:
    write(tmp_path, "slow.py", "import time\nprint('first', flush=True)\ntime.sleep(4)\nprint('second')\n")

    process = subprocess.Popen([*STELLASCRIPT, "run", "slow.py"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stdout.readline()
        still_running = process.poll() is None
        rest, errors = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait()

    assert first_line == "first\n", errors
    assert still_running, "the first line only arrived after the script had finished"
    assert rest == "second\n"
    assert process.returncode == 0, errors


@pytest.mark.usefixtures("runtime_images")
def test_json_prints_one_result_object(tmp_path: Path) -> None:
    write(tmp_path, "greet.py", GREET)

    finished = stellascript("run", "greet.py", "--arg", "who=Grace", "--env", "MOOD=calm", "--json", cwd=tmp_path)

    assert finished.returncode == 7, finished.stderr
    result = json.loads(finished.stdout)  # the whole of stdout is one JSON document
    assert isinstance(result, dict)
    assert result["status"] == "Failed"
    assert result["exit_code"] == 7
    assert result["stdout"] == "hello Grace, calm\n"
    assert result["stderr"] == "a note for stderr\n"
    assert result["language"] == "python"
    assert finished.stderr == ""  # nothing was streamed in JSON mode


@pytest.mark.usefixtures("runtime_images")
def test_timeout_exits_124(tmp_path: Path) -> None:
    write(tmp_path, "sleeper.py", SLEEPER)

    started = time.monotonic()
    finished = stellascript("run", "sleeper.py", "--timeout", "1s", cwd=tmp_path)
    elapsed = time.monotonic() - started

    assert finished.returncode == 124, finished.stderr
    assert finished.stdout == "going to sleep\n"
    assert "timed out after 1s" in finished.stderr
    assert elapsed < 30


@pytest.mark.usefixtures("runtime_images")
def test_memory_and_cpu_limits_are_accepted_and_applied(tmp_path: Path) -> None:
    write(tmp_path, "hello.py", 'print("limited")\n')

    finished = stellascript("run", "hello.py", "--memory", "64m", "--cpus", "0.5", "--disk", "20m", "--json", cwd=tmp_path)

    assert finished.returncode == 0, finished.stderr
    result = json.loads(finished.stdout)
    assert result["status"] == "Succeeded"
    assert result["stdout"] == "limited\n"
    assert result["limits"]["memory_bytes"] == 64 * MIB
    assert result["limits"]["cpus"] == 0.5
    assert result["limits"]["work_bytes"] == 20 * MIB


@pytest.mark.usefixtures("runtime_images")
def test_language_option_runs_a_file_without_extension(tmp_path: Path) -> None:
    write(tmp_path, "tool", 'import sys\nprint("no extension needed", sys.version_info.major)\n')

    finished = stellascript("run", "tool", "--language", "python", cwd=tmp_path)

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "no extension needed 3\n"


@pytest.mark.usefixtures("runtime_images")
def test_compile_error_exits_non_zero_with_the_diagnostic(tmp_path: Path) -> None:
    write(tmp_path, "broken.go", "package main\n\nfunc main() {\n\tmissingFunction()\n}\n")

    finished = stellascript("run", "broken.go", cwd=tmp_path)

    assert finished.returncode not in (0, 124, 125), finished.stderr
    assert finished.stdout == ""
    assert "broken.go:4:2: undefined: missingFunction" in finished.stderr


# -- bad input: one line, exit 2, nothing run ------------------------------------------


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        pytest.param({"script.rb": "puts 1\n"}, ["run", "script.rb"], "stellascript: cannot tell the language of 'script.rb'", id="unknown-extension"),
        pytest.param({"tool": "print(1)\n"}, ["run", "tool"], "stellascript: cannot tell the language of 'tool'", id="no-extension"),
        pytest.param({}, ["run", "missing.py"], "stellascript: cannot read missing.py", id="missing-file"),
        pytest.param({"a.py": "print(1)\n"}, ["run", "a.py", "--arg", "novalue"], "stellascript: Invalid value for --arg: 'novalue' is not KEY=VALUE", id="arg-without-equals"),
        pytest.param({"a.py": "print(1)\n"}, ["run", "a.py", "--env", "=x"], "stellascript: Invalid value for --env: '=x' is not KEY=VALUE", id="env-without-name"),
        pytest.param({"nul.py": b"print(1)\0\n"}, ["run", "nul.py"], "stellascript: nul.py contains NUL bytes", id="nul-bytes"),
        pytest.param({"latin.py": b"print('caf\xe9')\n"}, ["run", "latin.py"], "stellascript: latin.py is not UTF-8 text", id="not-utf8"),
        pytest.param({"a.py": "print(1)\n"}, ["run", "a.py", "--timeout", "soon"], "stellascript: Invalid value: 'soon' is not a duration", id="bad-timeout"),
        pytest.param({"a.py": "print(1)\n"}, ["run", "a.py", "--timeout", "0s"], "stellascript: Invalid value: '0s' is not a duration", id="zero-timeout"),
        pytest.param({"a.py": "print(1)\n"}, ["run", "a.py", "--memory", "lots"], "stellascript: Invalid value: 'lots' is not a size", id="bad-memory"),
        pytest.param({"a.py": "print(1)\n"}, ["run", "a.py", "--memory", "1k"], "stellascript: memory limit must be at least 16 MiB", id="tiny-memory"),
        pytest.param({"a.py": "print(1)\n"}, ["run", "a.py", "--memory", "64m", "--disk", "40m"],
                     "stellascript: disk 40 MiB is more than half the run's memory of 64 MiB", id="disk-over-half-memory"),
        pytest.param({"a.py": "print(1)\n"}, ["run", "a.py", "--cpus", "100"], "stellascript: cpus must be between 0.01 and 64", id="too-many-cpus"),
        pytest.param({"a.py": "print(1)\n"}, ["run", "a.py", "--language", "cobol"], "stellascript: unknown language 'cobol'", id="unknown-language"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, files: dict, args: list[str], expected: str) -> None:
    for name, content in files.items():
        write(tmp_path, name, content)

    finished = stellascript(*args, cwd=tmp_path)

    assert finished.returncode == 2, finished.stderr
    assert finished.stdout == ""
    assert one_line_error(finished.stderr).startswith(expected)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["run", "a.py", "--cpus", "half"], id="bad-cpus"),
        pytest.param(["run", "a.py", "--network", "everywhere"], id="bad-network"),
        pytest.param(["run", "a.py", "--no-such-option"], id="unknown-option"),
        pytest.param(["run"], id="no-file"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(tmp_path: Path, args: list[str]) -> None:
    write(tmp_path, "a.py", "print(1)\n")

    finished = stellascript(*args, cwd=tmp_path)

    assert finished.returncode == 2
    assert finished.stdout == ""
    assert "Traceback" not in finished.stderr
    assert finished.stderr.startswith("Usage: ")
    assert "\nError: " in finished.stderr


# -- the container engine -------------------------------------------------------------


def test_unreachable_engine_exits_125(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "print(1)\n")

    finished = stellascript("run", "a.py", cwd=tmp_path, env={"DOCKER_HOST": UNREACHABLE}, timeout=60)

    assert finished.returncode == 125
    assert finished.stdout == ""
    assert one_line_error(finished.stderr) == f"stellascript: container engine at {UNREACHABLE} does not answer"


def test_runtimes_list_with_unreachable_engine_exits_125(tmp_path: Path) -> None:
    finished = stellascript("runtimes", "list", cwd=tmp_path, env={"DOCKER_HOST": UNREACHABLE}, timeout=60)

    assert finished.returncode == 125
    assert one_line_error(finished.stderr) == f"stellascript: container engine at {UNREACHABLE} does not answer"


@pytest.mark.usefixtures("runtime_images")
def test_runtimes_list_shows_every_language(tmp_path: Path) -> None:
    finished = stellascript("runtimes", "list", cwd=tmp_path)

    assert finished.returncode == 0, finished.stderr
    rows = [line.split() for line in finished.stdout.splitlines()]
    assert sorted(row[0] for row in rows) == sorted(["python", "bash", "go", "java", "typescript", "csharp"])
    assert sorted(row[0] for row in rows) == sorted(LANGUAGES)
    for row in rows:
        assert row[1] == f"stella-runtime/{row[0]}:latest"
        assert row[2:] == ["current"], row
