"""A language whose package manager is not wired in says so; it does not run
without the dependencies a script declared. (Every language has a resolver
now: the test takes Go's away for its duration.)"""


from jupyter_stellascript.dependencies import RESOLVERS
from jupyter_stellascript.execution.models import (
    ExecutionRequest,
    ExecutionStatus,
    TerminationReason,
)


def test_declared_runtime_dependencies_are_refused_clearly(fresh_cache_engine, monkeypatch) -> None:
    monkeypatch.delitem(RESOLVERS, "go")
    result = fresh_cache_engine.execute(ExecutionRequest(
        language="go", source='package main\nimport "fmt"\nfunc main() { fmt.Println("hi") }\n',
        dependencies=[{"name": "example.com/something", "version": "v1.0.0", "scope": "runtime"}],
    ))
    assert result.status is ExecutionStatus.ERROR
    assert result.termination_reason is TerminationReason.DEPENDENCY_ERROR
    assert "not supported for go" in result.error
    assert result.stdout == ""


def test_test_scoped_dependencies_do_not_block_a_run(fresh_cache_engine) -> None:
    result = fresh_cache_engine.execute(ExecutionRequest(
        language="bash", source="echo hi\n", dependencies=[{"name": "bats", "version": "", "scope": "test"}],
    ))
    assert result.status is ExecutionStatus.SUCCEEDED
    assert result.stdout == "hi\n"
