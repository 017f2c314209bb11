"""C#: '#r "nuget: ..."', '#:package' and declared dependencies, resolved by
the real NuGet client (Debian's nuget 2.8 on Mono) from a local folder feed
of packages the tests compile with mcs and pack with nuget themselves."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_stellascript.dependencies import (
    DependencyError,
    DependencySettings,
    DerivedImages,
    Lock,
)
from jupyter_stellascript.dependencies.csharp import CSHARP
from jupyter_stellascript.dependencies.derived import derived_image_name
from jupyter_stellascript.dependencies.models import locked_set_key, set_key
from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine
from jupyter_stellascript.execution.models import (
    ExecutionRequest,
    ExecutionStatus,
    TerminationReason,
)
from jupyter_stellascript.languages.csharp import CSHARP as CSHARP_LANGUAGE
from tests.dependencies.nuget_feed import CSHARP_IMAGE, NuGetFeed, unique_id
from tests.dependencies.images import remove_images_of_lock, unfinished_builds
from tests.dependencies.runs import assert_malformed, run_with_dependencies

GREETER = 'namespace {ns} {{ public static class Greeter {{ public static string Hello(string n) {{ return "hello " + n; }} }} }}'
SHOUTER = ('namespace {ns} {{ public static class Shouter {{ public static string Shout(string n) '
           '{{ return {greeting}.Greeter.Hello(n).ToUpper(); }} }} }}')
VERSIONED = 'namespace {ns} {{ public static class Release {{ public const string Version = "{version}"; }} }}'


def requirements(source: str, declared: list[dict] | None = None) -> tuple[str, ...]:
    return CSHARP.requirements(source, declared or [])


# -- what a script asks for ------------------------------------------------------------

def test_inline_lines_of_both_conventions_and_declared_ones_are_merged():
    source = ('#r "nuget: Newtonsoft.Json, 13.0.3"\n#:package Humanizer@2.14\n#r "System.Data.dll"\n'
              '#r "nuget:Serilog"\nConsole.WriteLine(1);\n')
    declared = [{"name": "newtonsoft.json", "version": "", "scope": "runtime"}, {"name": "Dapper", "version": "2.1.35"},
                {"name": "NUnit", "version": "4.0.1", "scope": "test"}]  # test scope: not installed to run
    assert requirements(source, declared) == ("Dapper@2.1.35", "Humanizer@2.14.0", "Newtonsoft.Json@13.0.3", "Serilog")


def test_versions_are_compared_in_nugets_normal_form():
    assert requirements('#r "nuget: A, 1.2"\n', [{"name": "a", "version": "1.2.0.0"}]) == ("A@1.2.0",)


@pytest.mark.parametrize(("source", "declared", "needle"), [
    ('using System;\n#r "nuget: Newtonsoft.Json 13.0.3"\n', [], "line 2 is malformed"),
    ('\n\n#:package Humanizer@2.14 extra\n', [], "line 3 is malformed"),
    ('#r "nuget: Bad Id!, 1.0"\n', [], "line 1 is malformed"),
    ('#r "nuget: Humanizer, one"\n', [], "'one' is not a NuGet version of 'Humanizer'"),
    ('#r "nuget: Humanizer, [2.0,3.0)"\n', [], "is a range; give an exact version"),
    ("", [{"name": "Humanizer", "version": "2.x"}], "declared dependencies [0]: '2.x' is not a NuGet version"),
    ("", [{"name": "../evil", "version": "1.0"}], "'../evil' is not a NuGet package id"),
])
def test_malformed_input_is_a_clear_error(source, declared, needle):
    assert_malformed(lambda: requirements(source, declared), needle)


def test_conflicting_versions_name_the_package_and_both_places():
    with pytest.raises(DependencyError) as caught:
        requirements('#r "nuget: Humanizer, 2.14.1"\n', [{"name": "humanizer", "version": "2.8.26"}])
    assert caught.value.kind == "conflict" and caught.value.package == "Humanizer"
    assert "2.14.1 (line 1" in str(caught.value) and "2.8.26 (the script's declared dependencies [0])" in str(caught.value)


def test_a_v3_feed_is_refused_clearly_before_anything_runs(docker_client, runtime_images):
    images = DerivedImages(docker_client, DependencySettings(sources={"nuget": "https://api.nuget.org/v3/index.json"}))
    with pytest.raises(DependencyError) as caught:
        images.resolve("csharp", CSHARP_IMAGE, ("Humanizer",))
    assert caught.value.kind == "unsupported" and "v2 feeds" in str(caught.value) and "STELLASCRIPT_NUGET_SOURCE" in str(caught.value)


def test_package_lines_are_hidden_from_mcs_without_moving_any_line():
    source = '#:package Humanizer@2.14.1\nusing System;\nclass P { static void Main() { int x = ; } }\n'
    (name, program), = CSHARP_LANGUAGE.generated_files("Program.cs", source).items()
    assert program.splitlines()[0] == '#line 1 "Program.cs"'
    assert program.splitlines()[1:] == ["// #:package Humanizer@2.14.1", *source.splitlines()[1:]]
    assert name in " ".join(CSHARP_LANGUAGE.compile_argv("Program.cs", source))
    assert CSHARP_LANGUAGE.generated_files("Plain.cs", "class P { static void Main() {} }\n") == {}


# -- the real nuget, a folder feed -----------------------------------------------------

@pytest.fixture(scope="module")
def feed(tmp_path_factory, docker_client, runtime_images) -> NuGetFeed:
    """Greeting 1.2.0; Shout 2.0.0, which depends on Greeting >= 1.0.0; Numbers 1.0.0."""
    feed = NuGetFeed(tmp_path_factory.mktemp("nuget"), docker_client)
    feed.greeting, feed.shout, feed.numbers = unique_id("Stella.Greeting"), unique_id("Stella.Shout"), unique_id("Stella.Numbers")
    feed.publish(feed.greeting, "1.2.0", GREETER.format(ns=feed.greeting))
    feed.publish(feed.shout, "2.0.0", SHOUTER.format(ns=feed.shout, greeting=feed.greeting), {feed.greeting: "1.0.0"})
    feed.publish(feed.numbers, "1.0.0", f'namespace {feed.numbers} {{ public static class Numbers {{ public static int Answer() {{ return 42; }} }} }}'
                 )
    return feed


@pytest.fixture(scope="module")
def nuget_engine(feed, docker_client, derived_cleanup, tmp_path_factory) -> Iterator[ExecutionEngine]:
    settings = EngineSettings(pool_enabled=False, cache_path=Path(tmp_path_factory.mktemp("cache")),
                              dependencies=DependencySettings(sources={"nuget": str(feed.folder)}, timeout_s=300))
    with ExecutionEngine(settings, client=docker_client) as engine:
        yield engine


def run(engine, source: str, declared: list[dict] | None = None, entry_point: str = "Script.csx", lock: dict | None = None):
    return run_with_dependencies(engine, source, declared, lock, language="csharp", timeout_s=60, entry_point=entry_point)


def script(feed: NuGetFeed) -> str:
    return (f'#r "nuget: {feed.shout}, 2.0.0"\n'
            f'Console.WriteLine({feed.shout}.Shouter.Shout("world") + " " + {feed.numbers}.Numbers.Answer());\n')


@pytest.mark.slow
def test_an_inline_and_a_declared_package_are_installed_with_their_dependency_and_locked(nuget_engine, feed, docker_client):
    result = run(nuget_engine, script(feed), [{"name": feed.numbers, "version": "1.0.0", "scope": "runtime"}])
    assert result.status is ExecutionStatus.SUCCEEDED, (result.error, result.stderr[-3000:])
    assert result.stdout == "HELLO WORLD 42\n"
    assert result.image.startswith("stella-runtime/csharp:") and not result.image.endswith(":latest")
    lock = Lock.from_dict(result.dependency_lock)
    assert result.dependency_lock_sha256 == lock.sha256
    packages = {p.name: p for p in lock.packages}
    assert {name: p.version for name, p in packages.items()} == {feed.greeting: "1.2.0", feed.shout: "2.0.0", feed.numbers: "1.0.0"}
    assert not packages[feed.greeting].requested and packages[feed.shout].requested and packages[feed.numbers].requested
    assert packages[feed.shout].dependencies == (feed.greeting,)
    for name, package in packages.items():  # each .nupkg's hashes, as the feed holds it
        data = (feed.folder / f"{name}.{package.version}.nupkg").read_bytes()
        assert package.hashes == (f"sha512:{hashlib.sha512(data).hexdigest()}", f"sha256:{hashlib.sha256(data).hexdigest()}")
    # The lock file is NuGet's packages.lock.json form.
    entries = json.loads(lock.lock_file)["dependencies"][".NETFramework,Version=v4.7.2"]
    assert entries[feed.shout] == {
        "type": "Direct", "requested": "[2.0.0]", "resolved": "2.0.0", "dependencies": {feed.greeting: "1.0.0"},
        "contentHash": base64.b64encode(hashlib.sha512((feed.folder / f"{feed.shout}.2.0.0.nupkg").read_bytes()).digest()).decode()}
    assert entries[feed.greeting]["type"] == "Transitive"
    assert lock.source == str(feed.folder) and lock.command.startswith(f"nuget install {feed.numbers} -Version 1.0.0 -Source ")
    base_id = docker_client.images.get(CSHARP_IMAGE).id
    key = set_key("csharp", base_id, str(feed.folder), (f"{feed.numbers}@1.0.0", f"{feed.shout}@2.0.0"))
    assert docker_client.images.get(derived_image_name("csharp", key)).id == docker_client.images.get(result.image).id


@pytest.mark.slow
def test_a_cs_program_with_the_same_set_reuses_the_image(nuget_engine, feed):
    first = run(nuget_engine, script(feed), [{"name": feed.numbers, "version": "1.0.0"}])
    assert first.status is ExecutionStatus.SUCCEEDED, first.error
    counts = (nuget_engine.derived_images.resolutions, nuget_engine.derived_images.builds)
    program = (f"#:package {feed.numbers}@1.0\n"
               f'#r "nuget: {feed.shout}, 2.0.0.0"\n'
               "using System;\n"
               f'class Program {{ static void Main() {{ Console.WriteLine({feed.numbers}.Numbers.Answer() + 1); }} }}\n')
    second = run(nuget_engine, program, entry_point="Program.cs")
    assert second.status is ExecutionStatus.SUCCEEDED, (second.error, second.stderr[-2000:])
    assert second.stdout == "43\n"
    assert second.image == first.image and second.dependency_lock_sha256 == first.dependency_lock_sha256
    assert (nuget_engine.derived_images.resolutions, nuget_engine.derived_images.builds) == counts


@pytest.mark.slow
def test_a_saved_lock_keeps_its_versions_after_a_newer_release(nuget_engine, feed, docker_client):
    name = unique_id("Stella.Release")
    feed.publish(name, "1.0.0", VERSIONED.format(ns=name, version="1.0.0"))
    source = f"Console.WriteLine({name}.Release.Version);\n"
    declared = [{"name": name, "version": "*"}]
    first = run(nuget_engine, source, declared)
    assert first.status is ExecutionStatus.SUCCEEDED and first.stdout == "1.0.0\n", (first.error, first.stderr[-2000:])

    feed.publish(name, "1.1.0", VERSIONED.format(ns=name, version="1.1.0"))
    fresh = nuget_engine.derived_images.resolve("csharp", CSHARP_IMAGE, (name,))
    assert [p.version for p in fresh.packages] == ["1.1.0"]  # the feed now offers 1.1.0
    remove_images_of_lock(docker_client, first.dependency_lock_sha256)

    rerun = run(nuget_engine, source, declared, lock=first.dependency_lock)
    assert rerun.status is ExecutionStatus.SUCCEEDED, (rerun.error, rerun.stderr[-2000:])
    assert rerun.stdout == "1.0.0\n" and rerun.dependency_lock_sha256 == first.dependency_lock_sha256
    assert "installing the locked dependencies" in rerun.stderr


@pytest.mark.slow
def test_a_package_that_does_not_match_its_locked_hash_is_refused_and_nothing_is_left(nuget_engine, feed, docker_client):
    images = nuget_engine.derived_images
    good = images.resolve("csharp", CSHARP_IMAGE, (f"{feed.numbers}@1.0.0",))
    forged_package = dataclasses.replace(good.packages[0], hashes=("sha512:" + "0" * 128,))
    forged = Lock.from_dict({**good.to_dict(), "packages": [forged_package.to_dict()], "sha256": None,
                             "lock_file": good.lock_file.replace('"resolved"', '"resolved" ', 1)})
    with pytest.raises(DependencyError) as caught:
        images.prepare("csharp", CSHARP_IMAGE, good.requested, lock=forged)
    assert "does not match its locked SHA-512" in str(caught.value)
    base_id = docker_client.images.get(CSHARP_IMAGE).id
    assert images._image(derived_image_name("csharp", locked_set_key("csharp", base_id, forged))) is None
    assert not unfinished_builds(docker_client, "csharp")


@pytest.mark.slow
@pytest.mark.parametrize(("case", "kind"), [
    ("unknown package", "unknown_package"), ("unknown version", "unknown_version"),
    ("malformed line", "malformed"), ("conflict", "conflict"),
])
def test_bad_input_is_a_clear_error_and_builds_nothing(nuget_engine, feed, docker_client, case, kind):
    missing = unique_id("Stella.Missing")
    source, declared, package, needle = {
        "unknown package": ("Console.WriteLine(1);\n", [{"name": missing}], missing,
                            f"package '{missing}' was not found at {feed.folder}"),
        "unknown version": (f'#r "nuget: {feed.numbers}, 9.9.9"\n', [], feed.numbers,
                            f"version 9.9.9 of package '{feed.numbers}' was not found at {feed.folder}"),
        "malformed line": (f'Console.WriteLine(1);\n#r "nuget: {feed.numbers} 1.0.0"\n', [], None, "line 2 is malformed"),
        "conflict": (f'#r "nuget: {feed.numbers}, 1.0.0"\n', [{"name": feed.numbers, "version": "2.0.0"}], feed.numbers,
                     f"conflicting versions of package '{feed.numbers}'"),
    }[case]
    builds = nuget_engine.derived_images.builds
    result = run(nuget_engine, source, declared)
    assert result.status is ExecutionStatus.ERROR and result.termination_reason is TerminationReason.DEPENDENCY_ERROR
    assert needle in result.error, result.error
    assert result.image == CSHARP_IMAGE and result.dependency_lock is None and result.stdout == ""
    assert nuget_engine.derived_images.builds == builds
    with pytest.raises(DependencyError) as caught:
        wanted = nuget_engine.derived_images.requirements("csharp", source, declared)
        nuget_engine.derived_images.prepare("csharp", CSHARP_IMAGE, wanted)
    assert caught.value.kind == kind and caught.value.package == package
    assert not unfinished_builds(docker_client, "csharp")


@pytest.mark.slow
def test_a_check_compiles_against_the_packages_and_keeps_the_scripts_lines(nuget_engine, feed):
    def check(body: str):
        source = (f"#:package {feed.numbers}@1.0.0\nusing System;\n"
                  f"class P {{ static void Main() {{ {body} }} }}\n")
        return nuget_engine.execute(ExecutionRequest(language="csharp", source=source, entry_point="Program.cs",
                                                     dependencies=[], check_only=True, timeout_s=60))

    good = check(f"Console.WriteLine({feed.numbers}.Numbers.Answer());")
    assert good.status is ExecutionStatus.SUCCEEDED, (good.error, good.stderr[-2000:])
    bad = check(f"int x = {feed.numbers}.Numbers.Missing();")
    assert bad.status is not ExecutionStatus.SUCCEEDED
    assert "Program.cs(3," in bad.stderr and "Missing" in bad.stderr, bad.stderr[-2000:]
