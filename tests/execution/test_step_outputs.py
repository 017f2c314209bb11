"""Step outputs: each language writes a JSON object to $STELLASCRIPT_OUTPUT
and it comes back as the run's ``outputs``, in real runtime containers; too
much, invalid JSON or a non-object fails the run with a reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine
from jupyter_stellascript.execution.models import ExecutionRequest, ExecutionStatus, TerminationReason
from jupyter_stellascript.execution.step_outputs import InvalidOutputs, parse_outputs

pytestmark = pytest.mark.slow

CAP = 4096
EXPECTED = {"summary": "ok", "count": 3}

WRITERS = {
    "python": 'import json, os\njson.dump({"summary": "ok", "count": 3}, open(os.environ["STELLASCRIPT_OUTPUT"], "w"))\n',
    "bash": 'echo \'{"summary": "ok", "count": 3}\' > "$STELLASCRIPT_OUTPUT"\n',
    "go": """package main

import "os"

func main() {
	os.WriteFile(os.Getenv("STELLASCRIPT_OUTPUT"), []byte(`{"summary": "ok", "count": 3}`), 0o644)
}
""",
    "java": """import java.nio.file.Files;
import java.nio.file.Path;

public class Main {
    public static void main(String[] args) throws Exception {
        Files.writeString(Path.of(System.getenv("STELLASCRIPT_OUTPUT")), "{\\"summary\\": \\"ok\\", \\"count\\": 3}");
    }
}
""",
    "typescript": ('import * as fs from "fs";\n'
                   'fs.writeFileSync(process.env.STELLASCRIPT_OUTPUT as string, JSON.stringify({summary: "ok", count: 3}));\n'),
    "csharp": """using System;
using System.IO;

class Program
{
    static void Main()
    {
        File.WriteAllText(Environment.GetEnvironmentVariable("STELLASCRIPT_OUTPUT"), "{\\"summary\\": \\"ok\\", \\"count\\": 3}");
    }
}
""",
}


@pytest.fixture(scope="module")
def small_cap_engine(docker_client, runtime_images) -> Iterator[ExecutionEngine]:
    with ExecutionEngine(EngineSettings(pool_enabled=False, max_outputs_bytes=CAP), client=docker_client) as engine:
        yield engine


def run(engine: ExecutionEngine, language: str, source: str):
    return engine.execute(ExecutionRequest(language=language, source=source))


@pytest.mark.parametrize("language", sorted(WRITERS))
def test_each_language_publishes_outputs(small_cap_engine, language):
    result = run(small_cap_engine, language, WRITERS[language])
    assert result.status is ExecutionStatus.SUCCEEDED, (result.stdout, result.stderr, result.error)
    assert result.outputs == EXPECTED


def test_a_run_that_writes_none_has_no_outputs_and_an_untouched_work(small_cap_engine):
    result = run(small_cap_engine, "bash", 'echo "$STELLASCRIPT_OUTPUT"; ls -A /work | wc -l\n')
    assert result.status is ExecutionStatus.SUCCEEDED, (result.stderr, result.error)
    assert result.stdout == "/work/.stellascript-outputs.json\n0\n"
    assert result.outputs is None


def test_a_failed_run_keeps_what_it_published(small_cap_engine):
    result = run(small_cap_engine, "bash", 'echo \'{"reason": "disk full"}\' > "$STELLASCRIPT_OUTPUT"; exit 2\n')
    assert result.status is ExecutionStatus.FAILED and result.exit_code == 2 and result.termination_reason is None
    assert result.outputs == {"reason": "disk full"}


@pytest.mark.parametrize(("script", "message"), [
    (f'head -c {CAP + 1} /dev/zero | tr "\\0" " " > "$STELLASCRIPT_OUTPUT"\n', f"more than the {CAP} bytes"),
    ('echo "{not json" > "$STELLASCRIPT_OUTPUT"\n', "does not hold valid JSON"),
    ('echo "[1, 2]" > "$STELLASCRIPT_OUTPUT"\n', "must hold a JSON object, not an array"),
    ('ln -s /etc/passwd "$STELLASCRIPT_OUTPUT"\n', "is not a regular file"),
    ('mkdir "$STELLASCRIPT_OUTPUT"\n', "is not a regular file"),
    # Far over the cap: the host stops reading at the cap instead of copying it all.
    ('head -c 50000000 /dev/zero > "$STELLASCRIPT_OUTPUT"\n', f"more than the {CAP} bytes"),
], ids=["over-cap", "not-json", "not-object", "symlink", "folder", "far-over-cap"])
def test_unusable_outputs_fail_the_run_with_a_reason(small_cap_engine, script, message):
    result = run(small_cap_engine, "bash", script)
    assert result.status is ExecutionStatus.FAILED, (result.stderr, result.error)
    assert result.termination_reason is TerminationReason.INVALID_OUTPUTS
    assert message in result.error and message in result.stderr
    assert result.outputs is None


@pytest.mark.parametrize(("data", "message"), [
    (b'"text"', "not a string"), (b"null", "not null"), (b"\xff", "valid JSON"), (b"12", "not a number"),
])
def test_parse_outputs_names_what_it_found(data, message):
    with pytest.raises(InvalidOutputs, match=message):
        parse_outputs(data)
