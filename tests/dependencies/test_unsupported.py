"""Languages whose package manager is not wired in yet say so; they do not
run without the dependencies a script declared."""

import pytest

from jupyter_stellascript.execution.models import ExecutionRequest, ExecutionStatus, TerminationReason

SOURCES = {"bash": "echo hi\n", "go": 'package main\nimport "fmt"\nfunc main() { fmt.Println("hi") }\n'}


@pytest.mark.parametrize("language", sorted(SOURCES))
def test_declared_runtime_dependencies_are_refused_clearly(fresh_cache_engine, language: str) -> None:
    result = fresh_cache_engine.execute(ExecutionRequest(
        language=language, source=SOURCES[language], dependencies=[{"name": "something", "version": "1.0.0", "scope": "runtime"}],
    ))
    assert result.status is ExecutionStatus.ERROR
    assert result.termination_reason is TerminationReason.DEPENDENCY_ERROR
    assert f"not supported for {language}" in result.error
    assert result.stdout == ""


def test_test_scoped_dependencies_do_not_block_a_run(fresh_cache_engine) -> None:
    result = fresh_cache_engine.execute(ExecutionRequest(
        language="bash", source=SOURCES["bash"], dependencies=[{"name": "bats", "version": "", "scope": "test"}],
    ))
    assert result.status is ExecutionStatus.SUCCEEDED
    assert result.stdout == "hi\n"
