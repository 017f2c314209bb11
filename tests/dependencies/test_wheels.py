"""Wheels only by default, with the real pip: a package that has only a source
distribution is a clear error (its setup.py never runs), and a script that
opts in with ``[tool.stellascript] allow-sdist = true`` gets it built."""

from __future__ import annotations

import pytest

from jupyter_stellascript.dependencies import DependencyError
from jupyter_stellascript.execution.models import ExecutionStatus, TerminationReason
from tests.dependencies.conftest import PYPI, PYTHON_IMAGE
from tests.dependencies.index import unique_name
from tests.dependencies.runs import runner

pytestmark = pytest.mark.slow

run = runner("python", timeout_s=120)


def test_a_package_with_only_an_sdist_is_refused_naming_it_and_the_opt_in(index_images, local_index):
    name = unique_name("ss-sdist-only")
    local_index.publish_sdist(name, "1.0.0")
    lines: list[str] = []
    with pytest.raises(DependencyError) as caught:
        index_images.prepare("python", PYTHON_IMAGE, (name,), progress=lines.append)
    message = str(caught.value)
    assert caught.value.kind == "unsupported" and caught.value.package == name, message
    assert f"package {name!r} has no wheel for this platform at {local_index.url}" in message
    assert "allow-sdist = true" in message and "[tool.stellascript]" in message
    assert not any("SETUP-PY-RAN" in line for line in lines)


def test_a_newer_sdist_only_release_is_passed_over_for_the_wheel(index_images, local_index):
    name = unique_name("ss-sdist-newer")
    local_index.publish(name, "1.0.0")
    local_index.publish_sdist(name, "2.0.0")
    lock = index_images.resolve("python", PYTHON_IMAGE, (name,))
    assert [(p.name, p.version) for p in lock.packages] == [(name, "1.0.0")]
    with pytest.raises(DependencyError) as caught:
        index_images.resolve("python", PYTHON_IMAGE, (f"{name}==2.0.0",))
    assert "has no wheel" in str(caught.value) and "2.0.0" in str(caught.value)


DOCOPT = "import docopt\nprint(docopt.__version__)\n"
BLOCK = '# /// script\n# dependencies = ["docopt==0.6.2"]\n{table}# ///\n'


def test_pypi_sdist_only_package_needs_the_opt_in_and_then_is_built(pypi_engine):
    refused = run(pypi_engine, BLOCK.format(table="") + DOCOPT)
    assert refused.status is ExecutionStatus.ERROR
    assert refused.termination_reason is TerminationReason.DEPENDENCY_ERROR
    assert "package 'docopt' has no wheel for this platform" in refused.error, refused.error
    allowed = run(pypi_engine, BLOCK.format(table="# [tool.stellascript]\n# allow-sdist = true\n") + DOCOPT)
    assert allowed.status is ExecutionStatus.SUCCEEDED, allowed.error or allowed.stderr
    assert allowed.stdout.strip() == "0.6.2"
    assert allowed.dependency_lock is not None and "allow-sdist" in allowed.dependency_lock["requested"]
