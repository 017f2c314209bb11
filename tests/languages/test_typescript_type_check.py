"""TypeScript type errors do not block a run (languages/typescript.py), in the
real runtime image's tsc: syntax errors still fail the compile; type errors
are reported (platform messages beside the run, compile_warnings, save-time
warnings with their lines) and the script runs; c.StellaScript.typescript_type_check
= "error", or the script's own [typescript] type_check, restores strictness.
Both ways, fresh and from the compile cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_stellascript.config import StellaScript
from jupyter_stellascript.errors import ValidationFailed
from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine
from jupyter_stellascript.execution.models import ExecutionRequest, ExecutionStatus, TerminationReason
from jupyter_stellascript.languages import get_language
from jupyter_stellascript.parameters.inline import inline_parameters
from jupyter_stellascript.registry.syntax import SyntaxCheck
from tests.servers import RunningServer, json_of

pytestmark = pytest.mark.slow

# The design's api-test.ts with zod 4, in miniature: properties of one branch
# of a union read where tsc (non-strict, so without narrowing) refuses them;
# JavaScript runs it fine. Two type errors, at 4:34 and 6:31.
TYPE_ERROR = """type Parsed = { success: true; data: { status: string } } | { success: false; error: { issues: string[] } };
const parsed = JSON.parse('{"success": true, "data": {"status": "ok"}}') as Parsed;
if (!parsed.success) {
  console.log("invalid:", parsed.error.issues.join(", "));
}
console.log("status:", parsed.data.status);
"""
WARNING = "script.ts(6,31): error TS2339: Property 'data' does not exist on type"
SYNTAX_ERROR = 'const answer = (;\nconsole.log("never");\n'
STRICT = '// /// stellascript\n// [typescript]\n// type_check = "error"\n// ///\n' + TYPE_ERROR
LENIENT = STRICT.replace('type_check = "error"', 'type_check = "warn"')


def engine_with(type_check: str, tmp_path: Path, docker_client) -> ExecutionEngine:
    settings = EngineSettings(pool_enabled=False, cache_path=tmp_path / f"cache-{type_check}",
                              language_options={"typescript": {"type_check": type_check}})
    return ExecutionEngine(settings, client=docker_client)


@pytest.fixture(scope="module")
def engines(tmp_path_factory, docker_client, runtime_images) -> Iterator[dict[str, ExecutionEngine]]:
    root = tmp_path_factory.mktemp("ts-type-check")
    warn, error = engine_with("warn", root, docker_client), engine_with("error", root, docker_client)
    yield {"warn": warn, "error": error}
    warn.close()
    error.close()


def run(engine: ExecutionEngine, source: str):
    messages: list[str] = []
    result = engine.execute(ExecutionRequest(language="typescript", source=source, timeout_s=120), on_progress=messages.append)
    return result, messages


def test_a_type_error_is_reported_and_the_script_runs_fresh_and_cached(engines) -> None:
    for cached in (False, True):
        result, messages = run(engines["warn"], TYPE_ERROR)
        assert result.status is ExecutionStatus.SUCCEEDED, (result.stderr, result.error)
        assert result.compile_cache_hit is cached
        assert result.stdout == "status: ok\n" and result.stderr == ""
        assert WARNING in result.compile_warnings
        [message] = [m for m in messages if "warnings" in m]
        assert message.startswith("TypeScript compiled with warnings (the script runs anyway):") and WARNING in message


def test_syntax_errors_still_fail_the_compile(engines) -> None:
    for engine in engines.values():
        result, _ = run(engine, SYNTAX_ERROR)
        assert result.status is ExecutionStatus.FAILED and result.termination_reason is TerminationReason.COMPILE_ERROR
        assert "script.ts(1,17): error TS1109: Expression expected" in result.stderr and result.stdout == ""


def test_type_check_error_restores_strictness_server_wide_and_per_script(engines) -> None:
    strict, _ = run(engines["error"], TYPE_ERROR)
    assert strict.termination_reason is TerminationReason.COMPILE_ERROR and WARNING in strict.stderr and strict.stdout == ""
    # The script's own [typescript] type_check wins, both ways.
    own_strict, _ = run(engines["warn"], STRICT)
    assert own_strict.termination_reason is TerminationReason.COMPILE_ERROR
    assert "script.ts(10,31): error TS2339" in own_strict.stderr  # 4 lines of block above
    own_lenient, _ = run(engines["error"], LENIENT)
    assert own_lenient.status is ExecutionStatus.SUCCEEDED and own_lenient.stdout == "status: ok\n", own_lenient.stderr
    # Same script, two settings: two compile-cache entries, neither reused for the other.
    again, _ = run(engines["warn"], TYPE_ERROR)
    assert again.status is ExecutionStatus.SUCCEEDED and again.compile_cache_hit


def test_save_time_check_warns_at_the_line_or_refuses_when_strict(engines) -> None:
    lenient = SyntaxCheck(lambda: engines["warn"])
    warnings = lenient("typescript", "script.ts", TYPE_ERROR)
    assert [(w["line"], w["column"], w["severity"]) for w in warnings] == [(4, 34, "warning"), (6, 31, "warning")]
    assert all("TS2339" in w["message"] for w in warnings)
    [error] = lenient("typescript", "script.ts", SYNTAX_ERROR)
    assert (error["line"], error["column"]) == (1, 17) and "severity" not in error
    refused = SyntaxCheck(lambda: engines["error"])("typescript", "script.ts", TYPE_ERROR)
    assert [e["line"] for e in refused] == [4, 6] and not any("severity" in e for e in refused)


def test_the_setting_and_the_block_are_checked() -> None:
    assert StellaScript(typescript_type_check="error").engine_settings().language_options == {"typescript": {"type_check": "error"}}
    assert StellaScript().engine_settings().language_options == {"typescript": {"type_check": "warn"}}
    with pytest.raises(Exception, match="warn"):
        StellaScript(typescript_type_check="strict")
    with pytest.raises(ValueError, match="type_check"):
        get_language("typescript").configured({"type_check": "sometimes"})
    with pytest.raises(ValidationFailed) as bad:
        inline_parameters(STRICT.replace('"error"', '"always"'), "//")
    assert bad.value.errors[0]["line"] == 1 and "[typescript] takes one key" in bad.value.errors[0]["message"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, runtime_images) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path_factory.mktemp("ts-save"), settings={
        "pool_sizes": {"typescript": {"min_containers": 0}}}).start()
    yield running
    running.stop()


def test_the_save_response_lists_type_errors_as_warnings(server: RunningServer) -> None:
    token = server.token("ts-author")
    created = server.request("POST", "/scripts", token=token, json={"name": "ts-warned", "language": "typescript", "content": TYPE_ERROR})
    assert created.status_code == 201, created.text
    warnings = json_of(created)["warnings"]
    assert [(w["field"], w["line"], w["column"]) for w in warnings] == [("content", 4, 34), ("content", 6, 31)], warnings
    script_id = json_of(created)["id"]
    run_record = json_of(server.request("POST", f"/scripts/{script_id}/execute?wait=true", token=token, json={}))
    assert run_record["status"] == "Succeeded" and run_record["stdout"] == "status: ok\n", run_record
    assert WARNING in run_record["platform"] and WARNING not in run_record["stderr"]
    fixed = server.request("PUT", f"/scripts/{script_id}", token=token, json={"content": 'console.log("fine");\n'})
    assert fixed.status_code == 200 and json_of(fixed)["warnings"] == []
    refused = server.request("PUT", f"/scripts/{script_id}", token=token, json={"content": SYNTAX_ERROR})
    assert refused.status_code == 400 and json_of(refused)["errors"][0]["line"] == 1
    strict = server.request("PUT", f"/scripts/{script_id}", token=token, json={"content": STRICT})
    assert strict.status_code == 400 and [e["line"] for e in json_of(strict)["errors"]] == [8, 10]
