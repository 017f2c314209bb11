"""Bash: declared Debian packages, resolved by the real apt against the
Debian mirror inside the bash runtime image, locked with their SHA-256 and
installed into a derived image (small packages: bc, and sqlite3, which
brings libsqlite3-0 along)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_stellascript.dependencies import DependencyError, Lock
from jupyter_stellascript.dependencies.bash import BASH, archive_name, parse_lock_file
from jupyter_stellascript.dependencies.derived import derived_image_name
from jupyter_stellascript.dependencies.models import (
    DEFAULT_SOURCES,
    locked_set_key,
    set_key,
)
from jupyter_stellascript.execution.engine import ExecutionEngine
from jupyter_stellascript.execution.models import (
    ExecutionStatus,
    TerminationReason,
)
from tests.dependencies.conftest import BASH_IMAGE
from tests.dependencies.images import remove_images_of_lock, unfinished_builds
from tests.dependencies.runs import assert_malformed, dependency_engine, runner

MIRROR = DEFAULT_SOURCES["debian"]
PROBE = ('echo "2^10" | bc\n'
         'sqlite3 :memory: "select 6 * 7;"\n'
         "dpkg-query -W -f='${Package}=${Version}\\n' bc sqlite3 libsqlite3-0\n")
WANTED = [{"name": "sqlite3", "version": "", "scope": "runtime"}, {"name": "bc"}]


def requirements(declared: list[dict]) -> tuple[str, ...]:
    return BASH.requirements("echo hi\n", declared)


# -- what a script asks for ------------------------------------------------------------

def test_declared_packages_are_normalized_and_merged():
    declared = [{"name": "jq"}, {"name": "bc", "version": "1.07.1-3+b1"}, {"name": "jq", "version": "*"},
                {"name": "bc"}, {"name": "shellcheck", "scope": "test"}]  # test scope: not installed to run
    assert requirements(declared) == ("bc=1.07.1-3+b1", "jq")


@pytest.mark.parametrize(("declared", "needle"), [
    ([{"name": "Bad Name"}], "'Bad Name' is not a Debian package name"),
    ([{"name": "jq", "version": "latest stable"}], "'latest stable' is not a Debian version of 'jq'"),
    ([{"name": "jq;rm -rf /"}], "is not a Debian package name"),
])
def test_malformed_declarations_are_clear_errors(declared, needle):
    assert_malformed(lambda: requirements(declared), needle)


def test_conflicting_versions_name_the_package():
    with pytest.raises(DependencyError) as caught:
        requirements([{"name": "bc", "version": "1.07.1-3+b1"}, {"name": "bc", "version": "1.07.1-3"}])
    assert caught.value.kind == "conflict" and caught.value.package == "bc"
    assert "1.07.1-3+b1 (the script's declared dependencies [0]) and 1.07.1-3 (the script's declared dependencies [1])" in str(caught.value)


def test_lock_lines_and_apt_archive_names():
    text = "# header\nbc=1.07.1-3+b1 amd64 sha256:" + "a" * 64 + "\nlibfoo=1:2.0-1 all\n"
    assert parse_lock_file(text) == [("bc", "1.07.1-3+b1", "amd64", "a" * 64), ("libfoo", "1:2.0-1", "all", None)]
    assert archive_name("libfoo", "1:2.0-1", "all") == "libfoo_1%3a2.0-1_all.deb"
    with pytest.raises(DependencyError, match="malformed line"):
        parse_lock_file("bc 1.0\n")


# -- the real apt, the real mirror -----------------------------------------------------

@pytest.fixture(scope="module")
def apt_engine(docker_client, runtime_images, derived_cleanup, tmp_path_factory) -> Iterator[ExecutionEngine]:
    with dependency_engine(docker_client, {"debian": MIRROR}, cache_path=Path(tmp_path_factory.mktemp("cache"))) as engine:
        yield engine


run = runner("bash", timeout_s=60)


@pytest.mark.slow
def test_declared_packages_and_their_dependencies_are_installed_and_locked(apt_engine, docker_client):
    plain = run(apt_engine, "command -v bc || echo 'no bc'\n")
    assert plain.stdout == "no bc\n" and plain.image == BASH_IMAGE  # not in the runtime image itself
    result = run(apt_engine, PROBE, WANTED)
    assert result.status is ExecutionStatus.SUCCEEDED, (result.error, result.stderr[-3000:])
    lines = result.stdout.splitlines()
    assert lines[:2] == ["1024", "42"]
    lock = Lock.from_dict(result.dependency_lock)
    versions = {p.name: p.version for p in lock.packages}
    assert sorted(lines[2:]) == sorted(f"{name}={versions[name]}" for name in ("bc", "sqlite3", "libsqlite3-0"))
    packages = {p.name: p for p in lock.packages}
    assert packages["bc"].requested and packages["sqlite3"].requested and not packages["libsqlite3-0"].requested
    assert "libsqlite3-0" in packages["sqlite3"].dependencies
    assert all(len(p.hashes) == 1 and p.hashes[0].startswith("sha256:") and len(p.hashes[0]) == 71 for p in lock.packages)
    assert f"bc={versions['bc']} amd64 {packages['bc'].hashes[0]}\n" in lock.lock_file
    assert lock.source == MIRROR and lock.command == "apt-get install --simulate bc sqlite3" and lock.tool.startswith("apt ")
    base_id = docker_client.images.get(BASH_IMAGE).id
    key = set_key("bash", base_id, MIRROR, ("bc", "sqlite3"))
    assert docker_client.images.get(derived_image_name("bash", key)).id == docker_client.images.get(result.image).id
    # The script itself still has no network.
    offline = run(apt_engine, "exec 3<>/dev/tcp/deb.debian.org/80 && echo connected\n", WANTED)
    assert offline.status is ExecutionStatus.FAILED and "connected" not in offline.stdout and offline.image == result.image


@pytest.mark.slow
def test_a_second_script_with_the_same_set_reuses_the_image(apt_engine):
    first = run(apt_engine, PROBE, WANTED)
    assert first.status is ExecutionStatus.SUCCEEDED, first.error
    counts = (apt_engine.derived_images.resolutions, apt_engine.derived_images.builds)
    second = run(apt_engine, 'echo "scale=2; 1/4" | bc\n', [{"name": "bc", "version": "*"}, {"name": "sqlite3"}])
    assert second.status is ExecutionStatus.SUCCEEDED and second.stdout == ".25\n", second.error
    assert second.image == first.image and second.dependency_lock_sha256 == first.dependency_lock_sha256
    assert (apt_engine.derived_images.resolutions, apt_engine.derived_images.builds) == counts


@pytest.mark.slow
def test_a_saved_lock_is_installed_exactly(apt_engine, docker_client):
    first = run(apt_engine, PROBE, WANTED)
    assert first.status is ExecutionStatus.SUCCEEDED, first.error
    remove_images_of_lock(docker_client, first.dependency_lock_sha256)
    rerun = run(apt_engine, PROBE, WANTED, lock=first.dependency_lock)
    assert rerun.status is ExecutionStatus.SUCCEEDED, (rerun.error, rerun.stderr[-3000:])
    assert "installing the locked dependencies" in rerun.stderr and "resolving" not in rerun.stderr
    assert rerun.stdout == first.stdout and rerun.dependency_lock_sha256 == first.dependency_lock_sha256

    # A lock whose .deb hash is not what the mirror serves: refused, nothing left.
    lock = Lock.from_dict(first.dependency_lock)
    bc = next(p for p in lock.packages if p.name == "bc")
    forged = dataclasses.replace(lock, lock_file=lock.lock_file.replace(bc.hashes[0], "sha256:" + "0" * 64))
    with pytest.raises(DependencyError) as caught:
        apt_engine.derived_images.prepare("bash", BASH_IMAGE, lock.requested, lock=forged)
    assert "does not match its locked SHA-256" in str(caught.value)
    base_id = docker_client.images.get(BASH_IMAGE).id
    assert apt_engine.derived_images._image(derived_image_name("bash", locked_set_key("bash", base_id, forged))) is None
    assert not unfinished_builds(docker_client, "bash")


@pytest.mark.slow
@pytest.mark.parametrize(("declared", "kind", "package", "needle"), [
    ([{"name": "stellascript-no-such-package"}], "unknown_package", "stellascript-no-such-package",
     f"package 'stellascript-no-such-package' was not found at {MIRROR}"),
    ([{"name": "bc", "version": "9.9-9"}], "unknown_version", "bc", f"version 9.9-9 of package 'bc' was not found at {MIRROR}"),
    ([{"name": "bc", "version": "1.0"}, {"name": "bc", "version": "2.0"}], "conflict", "bc", "conflicting versions of package 'bc'"),
    ([{"name": "b c"}], "malformed", "b c", "'b c' is not a Debian package name"),
])
def test_bad_input_is_a_clear_error_before_the_script_starts(apt_engine, docker_client, declared, kind, package, needle):
    builds = apt_engine.derived_images.builds
    result = run(apt_engine, "echo started\n", declared)
    assert result.status is ExecutionStatus.ERROR and result.termination_reason is TerminationReason.DEPENDENCY_ERROR
    assert needle in result.error, result.error
    assert result.stdout == "" and result.image == BASH_IMAGE and result.dependency_lock is None
    assert apt_engine.derived_images.builds == builds
    with pytest.raises(DependencyError) as caught:
        wanted = apt_engine.derived_images.requirements("bash", "echo started\n", declared)
        apt_engine.derived_images.prepare("bash", BASH_IMAGE, wanted)
    assert caught.value.kind == kind and caught.value.package == package
    assert not unfinished_builds(docker_client, "bash")
