"""Derived images with the real pip: against PyPI (small, stable pure-Python
packages) and against a local PEP 503 index this test writes and serves."""

from __future__ import annotations

import pytest

from jupyter_stellascript.dependencies import DependencyError, Lock
from jupyter_stellascript.dependencies.derived import (
    BUILD_LANGUAGE_LABEL,
    LOCK_SHA_LABEL,
    LOCKED_SET_LABEL,
    derived_image_name,
)
from jupyter_stellascript.dependencies.models import set_key
from jupyter_stellascript.execution.models import ExecutionStatus, TerminationReason
from tests.concurrency import run_concurrently
from tests.dependencies.conftest import PYPI, PYTHON_IMAGE
from tests.dependencies.index import unique_name
from tests.dependencies.images import remove_images_of_lock, unfinished_builds, unnamed_build_images
from tests.dependencies.runs import runner

pytestmark = pytest.mark.slow

SHOW = "import importlib, sys\nfor name in sys.argv[1:] or ['six', 'idna']:\n    pass\n"


run = runner("python", timeout_s=60)


def images_of_build_in_progress(docker_client) -> set[str]:
    """Images a Python build left behind (intermediate or unfinished): they
    carry a build label and no name. (Other languages' builds may run at the
    same time in other test workers.)"""
    return unnamed_build_images(docker_client, f"{BUILD_LANGUAGE_LABEL}=python")


# -- one inline and one declared dependency, from PyPI ------------------------------

INLINE_SIX = """\
# /// script
# dependencies = ["six>=1.16"]
# ///
import idna, six
print(six.__version__, idna.__version__)
print(idna.encode("bücher.example").decode())
"""


def test_an_inline_and_a_declared_dependency_are_installed_and_locked(pypi_engine, docker_client):
    result = run(pypi_engine, INLINE_SIX, [{"name": "idna", "version": ">=3", "scope": "runtime"}])
    assert result.status is ExecutionStatus.SUCCEEDED, (result.error, result.stderr)
    six_version, idna_version = result.stdout.splitlines()[0].split()
    assert result.stdout.splitlines()[1] == "xn--bcher-kva.example"
    # The run used the derived image of this set, which names the lock.
    lock = Lock.from_dict(result.dependency_lock)
    assert result.dependency_lock_sha256 == lock.sha256
    assert result.image.startswith("stella-runtime/python:") and not result.image.endswith(":latest")
    versions = {p.name: p.version for p in lock.packages}
    assert versions == {"six": six_version, "idna": idna_version}
    assert all(p.requested and p.hashes[0].startswith("sha256:") and len(p.hashes[0]) == 71 for p in lock.packages)
    assert f"six=={six_version} \\\n    --hash=sha256:" in lock.lock_file
    assert lock.source == PYPI and "--dry-run" in lock.command and "--report" in lock.command
    labels = docker_client.images.get(result.image).labels
    assert labels[LOCK_SHA_LABEL] == lock.sha256
    base_id = docker_client.images.get(PYTHON_IMAGE).id
    key = set_key("python", base_id, PYPI, ("idna>=3", "six>=1.16"))
    assert docker_client.images.get(derived_image_name("python", key)).id == docker_client.images.get(result.image).id
    assert derived_image_name("python", labels[LOCKED_SET_LABEL]) == result.image
    # The script still runs without network.
    offline = run(pypi_engine, INLINE_SIX + "import socket\nsocket.create_connection(('pypi.org', 443), timeout=3)\n",
                  [{"name": "idna", "version": ">=3"}])
    assert offline.status is ExecutionStatus.FAILED and offline.image == result.image


def test_a_second_script_with_the_same_set_reuses_the_image(pypi_engine):
    first = run(pypi_engine, INLINE_SIX, [{"name": "idna", "version": ">=3"}])
    assert first.status is ExecutionStatus.SUCCEEDED, first.error
    resolutions, builds = pypi_engine.derived_images.resolutions, pypi_engine.derived_images.builds
    # Another script, declaring the same set the other way round.
    other = '# /// script\n# dependencies = ["IDNA>=3"]\n# ///\nimport six\nprint("other", six.__version__)\n'
    second = run(pypi_engine, other, [{"name": "six", "version": ">=1.16"}])
    assert second.status is ExecutionStatus.SUCCEEDED, second.error
    assert second.image == first.image and second.dependency_lock_sha256 == first.dependency_lock_sha256
    assert (pypi_engine.derived_images.resolutions, pypi_engine.derived_images.builds) == (resolutions, builds)
    assert "[stellascript] resolving" not in second.stderr  # nothing to resolve: no progress


def test_two_different_sets_stay_isolated(pypi_engine):
    probe = ("import importlib.util\n"
             "print(*(n for n in ('six', 'attrs', 'idna') if importlib.util.find_spec(n)))\n")
    only_six = run(pypi_engine, '# /// script\n# dependencies = ["six"]\n# ///\n' + probe)
    only_attrs = run(pypi_engine, '# /// script\n# dependencies = ["attrs"]\n# ///\n' + probe)
    plain = run(pypi_engine, probe)
    assert (only_six.status, only_attrs.status, plain.status) == (ExecutionStatus.SUCCEEDED,) * 3, (only_six.error, only_attrs.error)
    assert only_six.stdout.strip() == "six"
    assert only_attrs.stdout.strip() == "attrs"
    assert plain.stdout.strip() == "" and plain.image == PYTHON_IMAGE and plain.dependency_lock is None
    assert len({only_six.image, only_attrs.image, plain.image}) == 3


# -- bad input: a clear error, status Error, nothing half-built -----------------------

@pytest.mark.parametrize(("source", "declared", "kind", "package", "needle"), [
    ("print(1)\n", [{"name": "stellascript-no-such-package-4e1f"}], "unknown_package", "stellascript-no-such-package-4e1f",
     f"package 'stellascript-no-such-package-4e1f' was not found at {PYPI}"),
    ("print(1)\n", [{"name": "six", "version": "99.0.0"}], "unknown_version", "six",
     f"no version of package 'six' matches '==99.0.0' at {PYPI}"),
    ('# /// script\n# dependencies = ["six"\nprint(1)\n', [], "malformed", None, "malformed"),
    ('# /// script\n# dependencies = ["six==1.16.0"]\n# ///\n', [{"name": "six", "version": "1.17.0"}], "conflict", "six",
     "conflicting versions of package 'six'"),
    # Contradictory ranges of one package are merged into one range no release matches.
    ('# /// script\n# dependencies = ["attrs<20", "attrs>=23"]\n# ///\n', [], "unknown_version", "attrs",
     f"no version of package 'attrs' matches '<20,>=23' at {PYPI}"),
    # A conflict only the resolver can see: requests 2.31.0 needs idna>=2.5.
    ('# /// script\n# dependencies = ["requests==2.31.0"]\n# ///\n', [{"name": "idna", "version": "<2.5"}], "conflict", "idna",
     f"conflicting versions of package 'idna' at {PYPI}"),
])
def test_bad_input_is_a_clear_error_and_leaves_nothing(pypi_engine, docker_client, source, declared, kind, package, needle):
    leftovers_before = images_of_build_in_progress(docker_client)
    result = run(pypi_engine, source, declared)
    assert result.status is ExecutionStatus.ERROR
    assert result.termination_reason is TerminationReason.DEPENDENCY_ERROR
    assert needle in result.error, result.error
    assert result.dependency_lock is None and result.exit_code is None
    assert result.image == PYTHON_IMAGE  # no derived image was made for it
    requirements = None
    with pytest.raises(DependencyError) as caught:
        requirements = pypi_engine.derived_images.requirements("python", source, declared)  # malformed, local conflicts
        pypi_engine.derived_images.prepare("python", PYTHON_IMAGE, requirements)  # what pip finds
    assert caught.value.kind == kind and caught.value.package == package
    if requirements is not None:
        key = set_key("python", docker_client.images.get(PYTHON_IMAGE).id, PYPI, requirements)
        assert pypi_engine.derived_images._image(derived_image_name("python", key)) is None
    assert images_of_build_in_progress(docker_client) <= leftovers_before


def test_a_failed_build_leaves_no_tagged_or_intermediate_image(pypi_images, docker_client):
    """A lock whose hash does not match what the index serves: pip refuses it
    inside the build, and the build is undone."""
    good = pypi_images.resolve("python", PYTHON_IMAGE, ("six",))
    forged_text = good.lock_file.replace(good.packages[0].hashes[0], "sha256:" + "0" * 64)
    forged = Lock.from_dict({**good.to_dict(), "lock_file": forged_text, "sha256": None})
    leftovers_before = images_of_build_in_progress(docker_client)
    with pytest.raises(DependencyError) as caught:
        pypi_images.prepare("python", PYTHON_IMAGE, ("six",), lock=forged)
    assert "hash" in str(caught.value).lower() and PYPI in str(caught.value)
    base_id = docker_client.images.get(PYTHON_IMAGE).id
    from jupyter_stellascript.dependencies.models import locked_set_key
    assert pypi_images._image(derived_image_name("python", locked_set_key("python", base_id, forged))) is None
    assert not unfinished_builds(docker_client, "python")
    assert images_of_build_in_progress(docker_client) <= leftovers_before


# -- a local PEP 503 index: builds once, transitive dependencies, locking ----------------

def test_concurrent_requests_for_the_same_new_set_build_it_once(index_images, local_index):
    name = unique_name("ss-once")
    local_index.publish(name, "1.0.0")
    results = run_concurrently(lambda: index_images.prepare("python", PYTHON_IMAGE, (name,)), times=3, timeout_s=300)
    assert len({prepared.image for prepared in results}) == 1
    assert [prepared.built for prepared in results].count(True) == 1
    assert [prepared.resolved for prepared in results].count(True) == 1
    assert (index_images.resolutions, index_images.builds) == (1, 1)


def test_transitive_dependencies_are_locked_too(index_engine, local_index):
    leaf, top = unique_name("ss-leaf"), unique_name("ss-top")
    leaf_hash = local_index.publish(leaf, "2.0.0")
    local_index.publish(top, "1.0.0", f"import {leaf.replace('-', '_')} as leaf\nVERSION = '1.0.0+' + leaf.VERSION\n",
                        requires=(f"{leaf}>=2",))
    module = top.replace("-", "_")
    result = run(index_engine, f"# /// script\n# dependencies = [\"{top}\"]\n# ///\nimport {module}\nprint({module}.VERSION)\n")
    assert result.status is ExecutionStatus.SUCCEEDED, (result.error, result.stderr)
    assert result.stdout.strip() == "1.0.0+2.0.0"
    packages = {p["name"]: p for p in result.dependency_lock["packages"]}
    assert packages[leaf]["requested"] is False and packages[leaf]["hashes"] == [f"sha256:{leaf_hash}"]
    assert packages[top]["requested"] is True and packages[top]["dependencies"] == [leaf]


def test_a_lock_keeps_its_versions_after_a_newer_release(index_engine, local_index, docker_client):
    name = unique_name("ss-locked")
    module = name.replace("-", "_")
    source = f"import {module}\nprint({module}.VERSION)\n"
    declared = [{"name": name, "version": "", "scope": "runtime"}]
    local_index.publish(name, "1.0.0")
    first = run(index_engine, source, declared)
    assert first.status is ExecutionStatus.SUCCEEDED, (first.error, first.stderr)
    assert first.stdout.strip() == "1.0.0"
    lock = first.dependency_lock

    local_index.publish(name, "1.1.0")
    fresh = index_engine.derived_images.resolve("python", PYTHON_IMAGE, (name,))
    assert [p.version for p in fresh.packages] == ["1.1.0"]  # the index now offers 1.1.0

    # Drop every image of the set, so that the rerun cannot just reuse one.
    remove_images_of_lock(docker_client, first.dependency_lock_sha256)
    rerun = run(index_engine, source, declared, lock=lock)
    assert rerun.status is ExecutionStatus.SUCCEEDED, (rerun.error, rerun.stderr)
    assert rerun.stdout.strip() == "1.0.0"
    assert rerun.dependency_lock_sha256 == first.dependency_lock_sha256
    assert "installing the locked dependencies" in rerun.stderr
    # Without the lock, the same set resolves to the newer release.
    unlocked = run(index_engine, source, declared)
    assert unlocked.stdout.strip() == "1.1.0" and unlocked.dependency_lock_sha256 != first.dependency_lock_sha256


def test_warm_pools_work_per_derived_image(docker_client, runtime_images, derived_cleanup, local_index):
    from jupyter_stellascript.dependencies import DependencySettings
    from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine

    name = unique_name("ss-warm")
    local_index.publish(name, "1.0.0")
    source = f"# /// script\n# dependencies = [\"{name}\"]\n# ///\nimport {name.replace('-', '_')}\nprint('ok')\n"
    settings = EngineSettings(dependencies=DependencySettings(sources={"pypi": local_index.url}, timeout_s=300))
    with ExecutionEngine(settings, client=docker_client) as engine:
        first = run(engine, source)
        assert first.status is ExecutionStatus.SUCCEEDED and not first.pooled, first.error
        assert engine.pool.wait_until_warm(60)
        assert engine.pool.idle_counts().get(first.image, 0) >= 1
        second = run(engine, source)
        assert second.status is ExecutionStatus.SUCCEEDED and second.pooled and second.image == first.image
