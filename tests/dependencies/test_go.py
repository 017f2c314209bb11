"""Go: imported modules and declared versions, resolved by the real go command
through the Go module proxy (checked against the checksum database), downloaded
into derived images and compiled offline against the locked go.mod/go.sum,
run with network none. Small, stable modules: github.com/google/uuid and
golang.org/x/text (at a version the image's Go 1.23 builds)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from jupyter_stellascript.dependencies import (
    DependencyError,
    DependencySettings,
    DerivedImages,
    Lock,
)
from jupyter_stellascript.dependencies.go import GO, imported_paths, lock_files
from jupyter_stellascript.execution.engine import ExecutionEngine
from jupyter_stellascript.execution.models import (
    ExecutionStatus,
    NetworkMode,
)
from tests.dependencies.runs import assert_bad_input_leaves_nothing, assert_dependency_error, dependency_engine, runner

GOPROXY = "https://proxy.golang.org"
GOSUMDB = "sum.golang.org"
GO_IMAGE = "stella-runtime/go:latest"


def requirements(source: str, declared: list[dict] | None = None) -> tuple[str, ...]:
    return GO.requirements(source, declared or [])


# -- what a script asks for (no network) ----------------------------------------------

IMPORTS = """\
package main

import "fmt"
import u "github.com/google/uuid"

import (
	"os"
	_ "embed"
	. "strings"
	lang "golang.org/x/text/language"
	"golang.org/x/text/cases" // a comment
	`example.com/raw/string`
	// "example.com/commented/out"
	"C"
)

/*
import "example.com/block/commented"
*/
func main() { fmt.Println(u.NewString(), os.Args, lang.English, ToUpper("x")) }
"""


def test_imports_outside_the_standard_library_are_found():
    assert imported_paths(IMPORTS) == [
        "github.com/google/uuid", "golang.org/x/text/language", "golang.org/x/text/cases", "example.com/raw/string"]
    assert imported_paths('package main\nimport "fmt"\nfunc main() { fmt.Println() }\n') == []


def test_imports_and_declared_versions_are_merged_and_normalized():
    source = 'package main\nimport (\n\t"github.com/google/uuid"\n\t"golang.org/x/text/language"\n)\n'
    declared = [{"name": "golang.org/x/text", "version": "0.21.0", "scope": "runtime"},  # v added
                {"name": "golang.org/x/tools", "version": "v0.1.0", "scope": "test"}]  # not to run
    wanted = requirements(source, declared)
    assert wanted == ("golang.org/x/text@v0.21.0", "import github.com/google/uuid", "import golang.org/x/text/language")
    # The declared module provides the import: go get asks for it once, at the declared version.
    assert GO.go_get_arguments(wanted) == ["golang.org/x/text@v0.21.0", "github.com/google/uuid"]
    assert requirements("package main\n", [{"name": "github.com/google/uuid"}]) == ("github.com/google/uuid@latest",)
    # "module@version" in the name, as go get (and stellascript run --dep) takes it.
    assert requirements("package main\n", [{"name": "github.com/google/uuid@v1.5.0"}]) == ("github.com/google/uuid@v1.5.0",)


@pytest.mark.parametrize(("source", "declared", "kind", "package", "needle"), [
    ("package main\n", [{"name": "github.com/google/uuid", "version": "v1.5.0"}, {"name": "github.com/google/uuid", "version": "v1.6.0"}],
     "conflict", "github.com/google/uuid",
     "conflicting versions of module 'github.com/google/uuid': v1.5.0 (the script's declared dependencies [0]) and v1.6.0"),
    ("package main\n", [{"name": "uuid"}], "malformed", "uuid", "'uuid' is not a Go module path"),
    ("package main\n", [{"name": "github.com/google/uuid", "version": "^1.6"}], "malformed", "github.com/google/uuid",
     "is not a Go module version"),
    ('package main\nimport "example.com/has space"\n', [], "malformed", "example.com/has space", "not a valid Go import path"),
])
def test_bad_declarations_are_clear_errors(source, declared, kind, package, needle):
    assert_dependency_error(lambda: requirements(source, declared), kind, package, needle)


# -- the real go command ------------------------------------------------------------------

@pytest.fixture(scope="module")
def go_engine(docker_client, runtime_images, derived_cleanup) -> Iterator[ExecutionEngine]:
    with dependency_engine(docker_client, {"goproxy": GOPROXY, "gosumdb": GOSUMDB}) as engine:
        yield engine


run = runner("go", timeout_s=180)


# uuid is only imported; x/text is declared at an exact version. The binary
# reports the module versions it was built with.
USES_BOTH = """\
package main

import (
	"fmt"
	"runtime/debug"

	"github.com/google/uuid"
	"golang.org/x/text/language"
)

func main() {
	id := uuid.New()
	fmt.Println(len(id.String()), id.Version(), language.MustParse("pt-BR").String())
	info, _ := debug.ReadBuildInfo()
	for _, dep := range info.Deps {
		fmt.Println(dep.Path, dep.Version)
	}
}
"""
TEXT = [{"name": "golang.org/x/text", "version": "v0.21.0", "scope": "runtime"}]


@pytest.mark.slow
def test_an_import_and_a_declared_module_are_installed_locked_and_reused(go_engine):
    first = run(go_engine, USES_BOTH, TEXT)
    assert first.status is ExecutionStatus.SUCCEEDED, (first.error, first.stderr)
    assert first.network_mode is NetworkMode.NONE
    lines = first.stdout.splitlines()
    assert lines[0] == "36 VERSION_4 pt-BR"
    built_with = dict(line.split() for line in lines[1:])
    assert built_with["golang.org/x/text"] == "v0.21.0"
    lock = Lock.from_dict(first.dependency_lock)
    assert first.dependency_lock_sha256 == lock.sha256
    assert first.image.startswith("stella-runtime/go:") and not first.image.endswith(":latest")
    assert {p.name: p.version for p in lock.packages} == built_with
    assert all(p.requested and p.hashes[0].startswith("h1:") and p.hashes[1].startswith("go.mod h1:") for p in lock.packages)
    files = lock_files(lock.lock_file)
    assert "golang.org/x/text v0.21.0" in files["go.mod"]
    assert f"github.com/google/uuid {built_with['github.com/google/uuid']} h1:" in files["go.sum"]
    assert lock.command.startswith(f"GOPROXY={GOPROXY} GOSUMDB={GOSUMDB} go get ") and lock.tool.startswith("go 1.")

    # Another script with the same set: the same image, nothing resolved or built.
    resolutions, builds = go_engine.derived_images.resolutions, go_engine.derived_images.builds
    other = run(go_engine, 'package main\n\nimport (\n\t"fmt"\n\tu "github.com/google/uuid"\n\t"golang.org/x/text/language"\n)\n\n'
                           'func main() { fmt.Println(u.NewSHA1(u.NameSpaceDNS, []byte("example.org")), language.Japanese) }\n', TEXT)
    assert other.status is ExecutionStatus.SUCCEEDED, (other.error, other.stderr)
    name_based, tag = other.stdout.split()
    assert (len(name_based), name_based[14], tag) == (36, "5", "ja")  # a version 5 (SHA-1) UUID
    assert other.image == first.image and other.dependency_lock_sha256 == first.dependency_lock_sha256
    assert (go_engine.derived_images.resolutions, go_engine.derived_images.builds) == (resolutions, builds)


@pytest.mark.slow
def test_a_saved_lock_is_installed_exactly_even_when_newer_releases_exist(go_engine):
    """A script importing uuid, locked when v1.5.0 was the newest release: its
    reruns build with v1.5.0, while resolving the same set today gives v1.6.0."""
    source = ('package main\n\nimport (\n\t"fmt"\n\t"runtime/debug"\n\n\t"github.com/google/uuid"\n)\n\n'
              'func main() {\n\tinfo, _ := debug.ReadBuildInfo()\n\tfmt.Println(info.Deps[0].Path, info.Deps[0].Version, uuid.Nil)\n}\n')
    wanted = requirements(source)
    assert wanted == ("import github.com/google/uuid",)
    older = go_engine.derived_images.resolve("go", GO_IMAGE, ("github.com/google/uuid@v1.5.0", *wanted))
    saved = dataclasses.replace(older, requested=wanted)  # as saved with the script version back then
    rerun = run(go_engine, source, lock=saved.to_dict())
    assert rerun.status is ExecutionStatus.SUCCEEDED, (rerun.error, rerun.stderr)
    assert rerun.stdout == "github.com/google/uuid v1.5.0 00000000-0000-0000-0000-000000000000\n"
    assert rerun.dependency_lock_sha256 == saved.sha256
    today = go_engine.derived_images.resolve("go", GO_IMAGE, wanted)
    assert [(p.name, p.version) for p in today.packages] == [("github.com/google/uuid", "v1.6.0")]


@pytest.mark.slow
@pytest.mark.parametrize(("source", "declared", "kind", "package", "needle"), [
    ('package main\nimport _ "github.com/stellascript-no-such/module-4e1f"\nfunc main() {}\n', [], "unknown_package",
     "github.com/stellascript-no-such/module-4e1f",
     f"module or package 'github.com/stellascript-no-such/module-4e1f' was not found at {GOPROXY}"),
    ('package main\nimport _ "github.com/google/uuid/nosuchpkg"\nfunc main() {}\n', [], "unknown_package",
     "github.com/google/uuid/nosuchpkg", f"module or package 'github.com/google/uuid/nosuchpkg' was not found at {GOPROXY}"),
    ("package main\nfunc main() {}\n", [{"name": "github.com/google/uuid", "version": "v9.9.9"}], "unknown_version",
     "github.com/google/uuid", f"version v9.9.9 of module 'github.com/google/uuid' was not found at {GOPROXY}"),
    ("package main\nfunc main() {}\n", [{"name": "github.com/google/uuid", "version": "v1.5.0"},
                                        {"name": "github.com/google/uuid", "version": "v1.6.0"}],
     "conflict", "github.com/google/uuid", "conflicting versions of module 'github.com/google/uuid'"),
])
def test_bad_input_is_a_clear_error_and_leaves_nothing(go_engine, docker_client, source, declared, kind, package, needle):
    assert_bad_input_leaves_nothing(run, go_engine, docker_client, GO_IMAGE, source, declared, kind, package, needle)


def test_go_has_no_search():
    with pytest.raises(DependencyError, match="dependency search is not supported for go"):
        GO.search("uuid", DependencySettings())


def test_goproxy_and_gosumdb_come_from_the_environment_and_configuration(monkeypatch):
    from jupyter_stellascript.config import StellaScript

    monkeypatch.setenv("STELLASCRIPT_GOPROXY", "https://goproxy.example.org,direct")
    monkeypatch.setenv("STELLASCRIPT_GOSUMDB", "off")
    assert DependencySettings().source("goproxy") == "https://goproxy.example.org,direct"
    config = StellaScript()
    config.check()
    assert config.dependency_settings().source("gosumdb") == "off"
    configured = StellaScript(goproxy="https://proxy.example.com|off")
    assert configured.dependency_settings().source("goproxy") == "https://proxy.example.com|off"
    assert GO.environment(configured.dependency_settings())["GOPROXY"] == "https://proxy.example.com|off"
    with pytest.raises(Exception, match="StellaScript.goproxy: 'ftp://mirror' in 'ftp://mirror' is not an http"):
        StellaScript(goproxy="ftp://mirror").check()


@pytest.mark.slow
def test_the_save_time_check_compiles_against_the_modules(go_engine):
    """The registry's syntax check builds with the script's modules (they are
    prepared as for a run), so a script using them can be saved."""
    from jupyter_stellascript.registry.syntax import SyntaxCheck

    check = SyntaxCheck(lambda: go_engine)
    assert check("go", "script.go", USES_BOTH, TEXT) == []
    broken = USES_BOTH.replace('language.MustParse("pt-BR").String()', "language.NoSuchThing")
    diagnostics = check("go", "script.go", broken, TEXT)
    assert diagnostics and diagnostics[0]["line"] == 13 and "NoSuchThing" in diagnostics[0]["message"]


@pytest.mark.slow
def test_the_lock_holds_transitive_modules_with_their_hashes(docker_client, runtime_images):
    """fatih/color v1.16.0 requires go-colorable, go-isatty and x/sys: the go
    command locks them all, as modules nobody asked for directly."""
    images = DerivedImages(docker_client, DependencySettings(sources={"goproxy": GOPROXY, "gosumdb": GOSUMDB}, timeout_s=300))
    wanted = requirements('package main\nimport "github.com/fatih/color"\nfunc main() { color.Red("x") }\n',
                          [{"name": "github.com/fatih/color", "version": "v1.16.0"}])
    lock = images.resolve("go", GO_IMAGE, wanted)
    packages = {p.name: p for p in lock.packages}
    assert {"github.com/fatih/color", "github.com/mattn/go-colorable", "github.com/mattn/go-isatty",
            "golang.org/x/sys"} <= set(packages)
    color = packages["github.com/fatih/color"]
    assert (color.version, color.requested) == ("v1.16.0", True)
    assert {"github.com/mattn/go-colorable", "github.com/mattn/go-isatty", "golang.org/x/sys"} <= set(color.dependencies)
    assert not packages["golang.org/x/sys"].requested
    go_sum = lock_files(lock.lock_file)["go.sum"]
    assert all(f"{p.name} {p.version} {p.hashes[0]}" in go_sum for p in lock.packages if not p.hashes[0].startswith("go.mod"))
