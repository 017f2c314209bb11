"""TypeScript: bare imports and declared dependencies, resolved by the real npm
against the npm registry (small, stable packages), installed by ``npm ci``
into derived images, type-checked by tsc and run with network none."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from jupyter_stellascript.dependencies import (
    DependencySettings,
    DerivedImages,
    Lock,
)
from jupyter_stellascript.dependencies.typescript import TYPESCRIPT, imported_packages
from jupyter_stellascript.execution.engine import ExecutionEngine
from jupyter_stellascript.execution.models import (
    ExecutionStatus,
    NetworkMode,
    TerminationReason,
)
from tests.dependencies.runs import assert_bad_input_leaves_nothing, assert_dependency_error, dependency_engine, runner

NPM = "https://registry.npmjs.org"
TYPESCRIPT_IMAGE = "stella-runtime/typescript:latest"


def requirements(source: str, declared: list[dict] | None = None) -> tuple[str, ...]:
    return TYPESCRIPT.requirements(source, declared or [])


# -- what a script asks for (no network) ----------------------------------------------

IMPORTS = """\
import ms from "ms";
import * as path from "path";
import { readFileSync } from "node:fs";
import type { Options } from "@scope/types-only";
import { a,
         b as c } from "multi-line";
import "side-effect/register";
export { x } from "@org/lib/sub/path";
export * from "./local";
import config from "../config.json";
import fsp from "fs/promises";
const lazy = await import("lazy-pkg");
const old = require("old-pkg/lib/index.js");
import legacy = require("legacy");
// import commented from "commented-out";
/* require("block-commented") */
const url = "https://example.org/not-an-import";
"""


def test_bare_imports_name_packages_and_nothing_else():
    assert imported_packages(IMPORTS) == [
        "ms", "@scope/types-only", "multi-line", "side-effect", "@org/lib", "lazy-pkg", "old-pkg", "legacy"]


def test_imports_and_declared_are_merged_and_normalized():
    source = 'import ms from "ms";\nimport { nanoid } from "nanoid/non-secure";\n'
    declared = [{"name": "nanoid", "version": "3.3.7", "scope": "runtime"}, {"name": "kleur", "version": "^4"},
                {"name": "typescript", "version": "5.9.3", "scope": "test"}]  # not installed to run
    assert requirements(source, declared) == ("kleur@^4", "ms", "nanoid@3.3.7")
    assert requirements("console.log(1)\n") == ()
    # "name@range" in the name, as npm install (and stellascript run --dep) takes it.
    assert requirements("", [{"name": "@types/ms@2.1.0"}, {"name": "ms@^2"}]) == ("@types/ms@2.1.0", "ms@^2")
    # The same set written differently is one set.
    assert requirements('const ms = require("ms")\n', [{"name": "kleur", "version": "^4"}]) == \
        requirements("", [{"name": "ms", "version": "latest"}, {"name": "kleur", "version": "^4"}]) == ("kleur@^4", "ms")


@pytest.mark.parametrize(("source", "declared", "kind", "package", "needle"), [
    ("", [{"name": "ms", "version": "2.1.2"}, {"name": "ms", "version": "2.1.3"}], "conflict", "ms",
     "conflicting versions of package 'ms': 2.1.2 (the script's declared dependencies [0]) and 2.1.3"),
    ("", [{"name": "Not_Valid"}], "malformed", "Not_Valid", "'Not_Valid' is not a valid npm package name"),
    ("", [{"name": "ms", "version": "2.1.3; rm -rf /"}], "malformed", "ms", "is not an npm version range"),
    ('import x from "Bad Name";\n', [], "malformed", "Bad Name", "does not name a valid npm package"),
])
def test_bad_declarations_are_clear_errors(source, declared, kind, package, needle):
    assert_dependency_error(lambda: requirements(source, declared), kind, package, needle)


# -- the real npm ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def npm_engine(docker_client, runtime_images, derived_cleanup) -> Iterator[ExecutionEngine]:
    with dependency_engine(docker_client, {"npm": NPM}) as engine:
        yield engine


run = runner("typescript", timeout_s=120)


# ms (no types of its own: tsc treats it as `any`) is only imported; nanoid
# (ships its types) is declared at an exact version.
USES_BOTH = """\
import ms from "ms";
import { nanoid } from "nanoid";
const id: string = nanoid(12);
console.log(ms("2h"), id.length, require("nanoid/package.json").version, require("ms/package.json").version);
"""
NANOID = [{"name": "nanoid", "version": "3.3.7", "scope": "runtime"}]


@pytest.mark.slow
def test_an_import_and_a_declared_dependency_are_installed_locked_and_reused(npm_engine):
    first = run(npm_engine, USES_BOTH, NANOID)
    assert first.status is ExecutionStatus.SUCCEEDED, (first.error, first.stderr)
    assert first.network_mode is NetworkMode.NONE
    hours, length, nanoid_version, ms_version = first.stdout.split()
    assert (hours, length, nanoid_version) == ("7200000", "12", "3.3.7")
    lock = Lock.from_dict(first.dependency_lock)
    assert first.dependency_lock_sha256 == lock.sha256
    assert first.image.startswith("stella-runtime/typescript:") and not first.image.endswith(":latest")
    assert {p.name: p.version for p in lock.packages} == {"ms": ms_version, "nanoid": "3.3.7"}
    assert all(p.requested and p.hashes[0].startswith("sha512-") for p in lock.packages)
    assert '"lockfileVersion": 3' in lock.lock_file and lock.tool.startswith("npm ") and lock.runtime.startswith("node ")
    assert lock.command.startswith("npm install --package-lock-only") and lock.source == NPM

    # Another script with the same set: the same image, nothing resolved or built.
    resolutions, builds = npm_engine.derived_images.resolutions, npm_engine.derived_images.builds
    other = run(npm_engine, 'import { nanoid } from "nanoid";\nimport ms = require("ms");\nconsole.log(ms(60000, { long: true }));\n',
                NANOID)
    assert other.status is ExecutionStatus.SUCCEEDED, (other.error, other.stderr)
    assert other.stdout == "1 minute\n"
    assert other.image == first.image and other.dependency_lock_sha256 == first.dependency_lock_sha256
    assert (npm_engine.derived_images.resolutions, npm_engine.derived_images.builds) == (resolutions, builds)

    # tsc sees the types nanoid ships: misusing its API is a type error, reported (the run goes ahead).
    misuse = run(npm_engine, 'import { nanoid } from "nanoid";\nconst n: number = nanoid();\nconsole.log(typeof n);\n', NANOID)
    assert misuse.status is ExecutionStatus.SUCCEEDED and misuse.stdout == "string\n", (misuse.error, misuse.stderr)
    assert "script.ts(2,7): error TS2322: Type 'string' is not assignable to type 'number'" in misuse.compile_warnings


@pytest.mark.slow
def test_declared_at_types_packages_type_an_untyped_package(npm_engine):
    """ms ships no types (so USES_BOTH treats it as any); with @types/ms
    declared, tsc checks its use: ms(5) returns a string."""
    source = 'import ms from "ms";\nconst n: number = ms("1h");\nconst text: number = ms(5);\nconsole.log(n, text);\n'
    typed = run(npm_engine, source, [{"name": "@types/ms", "version": "2.1.0"}])
    assert typed.status is ExecutionStatus.SUCCEEDED, (typed.error, typed.stderr)  # type errors do not stop a run
    assert "script.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'" in typed.compile_warnings
    assert "script.ts(2," not in typed.compile_warnings


@pytest.mark.slow
def test_a_saved_lock_is_installed_exactly_even_when_newer_releases_exist(npm_engine):
    """A script importing ms, locked when 2.1.2 was the newest release: its
    reruns keep 2.1.2, while resolving the same set today gives 2.1.3."""
    source = 'console.log(require("ms/package.json").version);\nimport ms from "ms";\nconsole.log(ms(1000));\n'
    wanted = requirements(source)
    assert wanted == ("ms",)
    older = npm_engine.derived_images.resolve("typescript", TYPESCRIPT_IMAGE, ("ms@2.1.2",))
    saved = dataclasses.replace(older, requested=wanted)  # as saved with the script version back then
    rerun = run(npm_engine, source, lock=saved.to_dict())
    assert rerun.status is ExecutionStatus.SUCCEEDED, (rerun.error, rerun.stderr)
    assert rerun.stdout == "2.1.2\n1s\n"
    assert rerun.dependency_lock_sha256 == saved.sha256
    today = run(npm_engine, source)
    assert today.status is ExecutionStatus.SUCCEEDED, (today.error, today.stderr)
    assert today.stdout.splitlines()[0] == "2.1.3" and today.image != rerun.image


@pytest.mark.slow
@pytest.mark.parametrize(("source", "declared", "kind", "package", "needle"), [
    ('import x from "stellascript-no-such-package-4e1f";\n', [], "unknown_package", "stellascript-no-such-package-4e1f",
     f"package 'stellascript-no-such-package-4e1f' was not found at {NPM}"),
    ("console.log(1);\n", [{"name": "ms", "version": "99.0.0"}], "unknown_version", "ms",
     f"no version of package 'ms' matches '99.0.0' at {NPM}"),
    ("console.log(1);\n", [{"name": "ms", "version": "2.1.2"}, {"name": "ms", "version": "^2.1.3"}], "conflict", "ms",
     "conflicting versions of package 'ms'"),
])
def test_bad_input_is_a_clear_error_and_leaves_nothing(npm_engine, docker_client, source, declared, kind, package, needle):
    assert_bad_input_leaves_nothing(run, npm_engine, docker_client, TYPESCRIPT_IMAGE, source, declared, kind, package, needle)


@pytest.mark.slow
def test_search_finds_packages_on_the_registry():
    """Through this machine's egress proxy the registry's full-text endpoint
    answers 404, so this exercises the exact-name look-up it falls back to;
    where /-/v1/search answers, its results come first-hand."""
    settings = DependencySettings(sources={"npm": NPM})
    items = TYPESCRIPT.search("NanoID", settings)
    assert items[0]["name"] == "nanoid" and items[0]["source"] == NPM
    assert items[0]["match"].startswith("exact name")
    if "no full-text search" in items[0]["match"]:  # every version, newest first
        assert items[0]["versions"].index("3.3.7") < items[0]["versions"].index("3.3.6")
    assert "3.3.7" in items[0]["versions"] and items[0]["latest"] in items[0]["versions"]
    missing = TYPESCRIPT.search(f"stellascript-no-such-package-{uuid.uuid4().hex[:8]}", settings)
    assert not any(item["match"].startswith("exact name") for item in missing)


def test_semver_order_puts_releases_after_their_prereleases():
    from jupyter_stellascript.dependencies.typescript import _semver_key
    versions = ["1.0.0", "1.0.0-beta.2", "10.0.0", "2.0.0", "1.0.0-beta.10", "1.0.0-alpha"]
    assert sorted(versions, key=_semver_key) == ["1.0.0-alpha", "1.0.0-beta.2", "1.0.0-beta.10", "1.0.0", "2.0.0", "10.0.0"]


@pytest.mark.slow
def test_the_save_time_check_compiles_against_the_packages(npm_engine):
    """The registry's syntax check type-checks with the script's packages
    (they are prepared as for a run), so a script using them can be saved."""
    from jupyter_stellascript.registry.syntax import SyntaxCheck

    check = SyntaxCheck(lambda: npm_engine)
    assert check("typescript", "script.ts", USES_BOTH, NANOID) == []
    diagnostics = check("typescript", "script.ts", 'import { nanoid } from "nanoid";\nconst n: number = nanoid();\n', NANOID)
    assert [(d["line"], d["column"], d["severity"]) for d in diagnostics] == [(2, 7, "warning")] and "TS2322" in diagnostics[0]["message"]
    missing = check("typescript", "script.ts", 'import x from "stellascript-no-such-package-4e1f";\n', [])
    assert "package 'stellascript-no-such-package-4e1f' was not found" in missing[0]["message"]


@pytest.mark.slow
def test_the_lock_holds_transitive_packages_with_their_hashes(docker_client, runtime_images):
    """debug 4.3.4 depends on ms ^2.1.1: npm locks both, ms as a transitive one."""
    images = DerivedImages(docker_client, DependencySettings(sources={"npm": NPM}, timeout_s=300))
    lock = images.resolve("typescript", TYPESCRIPT_IMAGE, requirements("", [{"name": "debug", "version": "4.3.4"}]))
    packages = {p.name: p for p in lock.packages}
    assert set(packages) == {"debug", "ms"}
    assert (packages["debug"].version, packages["debug"].requested, packages["debug"].dependencies) == ("4.3.4", True, ("ms",))
    assert packages["ms"].requested is False and packages["ms"].version.startswith("2.1.")
    assert all(p.hashes and p.hashes[0].startswith("sha512-") for p in lock.packages)
