"""One run of a script with dependencies, the engine it runs on, and the
error a bad declaration gives, as every ecosystem's tests make them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import pytest

from jupyter_stellascript.dependencies import DependencyError, DependencySettings
from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine
from jupyter_stellascript.execution.models import ExecutionRequest, ExecutionResult, ExecutionStatus, TerminationReason
from tests.dependencies.images import images_of


def run_with_dependencies(engine: ExecutionEngine, source: str, declared: list[dict] | None = None,
                          lock: dict | None = None, *, language: str, timeout_s: float = 120,
                          **request: Any) -> ExecutionResult:
    return engine.execute(ExecutionRequest(language=language, source=source, dependencies=declared or [],
                                           dependency_lock=lock, timeout_s=timeout_s, **request))


def runner(language: str, timeout_s: float = 120) -> partial:
    """``run(engine, source, declared=None, lock=None, **request)`` for one language."""
    return partial(run_with_dependencies, language=language, timeout_s=timeout_s)


@contextmanager
def dependency_engine(docker_client, sources: dict[str, str], **engine_settings: Any) -> Iterator[ExecutionEngine]:
    """An engine resolving from ``sources``, without a warm pool: each test
    says what it expects of pooling itself."""
    settings = EngineSettings(pool_enabled=False, dependencies=DependencySettings(sources=sources, timeout_s=300),
                              **engine_settings)
    with ExecutionEngine(settings, client=docker_client) as engine:
        yield engine


def assert_dependency_error(call: Callable[[], object], kind: str, package: str | None, needle: str) -> DependencyError:
    """``call`` fails with a DependencyError of that kind, naming that package, saying ``needle``."""
    with pytest.raises(DependencyError) as caught:
        call()
    assert needle in str(caught.value)
    assert (caught.value.kind, caught.value.package) == (kind, package)
    return caught.value


def assert_malformed(call: Callable[[], object], needle: str) -> DependencyError:
    """``call`` refuses malformed input with a DependencyError saying ``needle``."""
    with pytest.raises(DependencyError) as caught:
        call()
    assert needle in str(caught.value) and caught.value.kind == "malformed"
    return caught.value


def assert_bad_input_leaves_nothing(run: Callable[..., ExecutionResult], engine: ExecutionEngine, docker_client,
                                    base_image: str, source: str, declared: list[dict], kind: str,
                                    package: str | None, needle: str) -> None:
    """A run asking for what cannot be had ends before the script starts,
    with an error saying ``needle``; preparing its set directly fails with a
    DependencyError of that kind naming that package; and no image of the
    language was built or half-built."""
    language = run.keywords["language"]
    images_before = images_of(docker_client, language)
    result = run(engine, source, declared)
    assert result.status is ExecutionStatus.ERROR
    assert result.termination_reason is TerminationReason.DEPENDENCY_ERROR
    assert needle in result.error, result.error
    assert result.dependency_lock is None and result.exit_code is None and result.image == base_image
    with pytest.raises(DependencyError) as caught:
        wanted = engine.derived_images.requirements(language, source, declared)
        engine.derived_images.prepare(language, base_image, wanted)
    assert (caught.value.kind, caught.value.package) == (kind, package)
    assert images_of(docker_client, language) == images_before  # nothing built, nothing half-built
