"""The skeleton every resolver shares (dependencies/base.py): the record's
runtime-scope entries, the one merge of versions and its conflict message,
the scratch folder, the progress line, the CA plumbing, web API calls, and
the package manager's container, hardened as a script's is."""

from __future__ import annotations

import dataclasses
import socket
import threading
import uuid
from pathlib import PurePosixPath

import pytest

from jupyter_stellascript.dependencies import RESOLVERS, DependencyError, DependencySettings, ResolveContext
from jupyter_stellascript.dependencies.base import (
    BUILD_DIR,
    CA_IN_BUILD,
    CA_IN_CONTAINER,
    TOOL_LABEL,
    TOOL_MEMORY,
    TOOL_PIDS,
    TOOL_TMPFS,
    Declared,
    Wanted,
    build_ca_files,
    http_get,
    merge_versions,
    output_tail,
    run_tool,
    runtime_dependencies,
    scratch,
    tool_container_options,
    unknown_package,
)
from jupyter_stellascript.execution.sandbox import SCRIPT_USER
from tests.execution.test_sandbox import assert_hardened

DECLARED = "the script's declared dependencies"


# -- the record's runtime-scope entries ---------------------------------------------------

def test_only_named_runtime_scope_entries_are_installed_with_their_place_in_the_list():
    declared = [
        {"name": "attrs"},  # no scope: runtime
        {"name": "pytest", "scope": "test"},
        {"name": " six ", "version": " 1.16.0 ", "scope": "runtime"},
        "not an entry",
        {"version": "1.0"},  # no name
        {"name": "", "version": "2"},
        {"name": "black", "scope": "dev", "version": "24"},
        {"name": "idna", "version": None},
    ]
    assert runtime_dependencies(declared) == [
        Declared(0, "attrs", ""), Declared(2, "six", "1.16.0"), Declared(7, "idna", "")]
    assert runtime_dependencies(declared)[1].origin == f"{DECLARED} [2]"
    assert runtime_dependencies(None) == [] and runtime_dependencies([]) == []


@pytest.mark.parametrize("language", sorted(RESOLVERS))
def test_every_resolver_leaves_other_scopes_alone_even_malformed_ones(language):
    """Not installed, so not read: a test-scope entry no ecosystem could parse is no error."""
    declared = [{"name": "!! not a package !!", "version": "?? nonsense", "scope": scope} for scope in ("test", "dev")]
    assert RESOLVERS[language].requirements("", declared) == ()


# -- one merge of versions ------------------------------------------------------------------

def test_merge_keeps_first_appearance_order_and_a_version_over_any():
    merged = merge_versions([Wanted("b", "", "import"), Wanted("a", "1.0", "[0]"), Wanted("b", "2.0", "[1]"),
                             Wanted("a", "1.0", "[2]"), Wanted("b", "", "[3]")])
    assert merged == [Wanted("b", "2.0", "[1]"), Wanted("a", "1.0", "[0]")]


def test_merge_conflict_names_the_package_both_versions_and_where_each_was_asked():
    with pytest.raises(DependencyError) as caught:
        merge_versions([Wanted("ms", "", "the script's imports"), Wanted("ms", "2.1.2", f"{DECLARED} [0]"),
                        Wanted("ms", "2.1.3", f"{DECLARED} [1]")])
    assert str(caught.value) == (f"conflicting versions of package 'ms': 2.1.2 ({DECLARED} [0]) "
                                 f"and 2.1.3 ({DECLARED} [1])")
    assert caught.value.kind == "conflict" and caught.value.package == "ms" and caught.value.source is None


def test_merge_key_and_noun_are_the_ecosystems():
    merged = merge_versions([Wanted("Humanizer", "", "line 1"), Wanted("humanizer", "2.14.1", "[0]")], key=str.lower)
    assert merged == [Wanted("Humanizer", "2.14.1", "[0]")]  # the first spelling, the given version
    assert merge_versions([Wanted("Humanizer", "1", "a"), Wanted("humanizer", "2", "b")]) == [
        Wanted("Humanizer", "1", "a"), Wanted("humanizer", "2", "b")]  # without the key: two packages
    with pytest.raises(DependencyError, match=r"^conflicting versions of module 'example\.com/m': v1 \(a\) and v2 \(b\)$"):
        merge_versions([Wanted("example.com/m", "v1", "a"), Wanted("example.com/m", "v2", "b")], noun="module")


# Every ecosystem that merges versions (not Python: its own merge combines specifiers).
CONFLICTS = {
    "typescript": ("ms", "2.1.2", "2.1.3", "package 'ms'"),
    "go": ("github.com/google/uuid", "v1.5.0", "v1.6.0", "module 'github.com/google/uuid'"),
    "bash": ("bc", "1.07.1-3+b1", "1.07.1-3", "package 'bc'"),
    "csharp": ("Humanizer", "2.14.1", "2.8.26", "package 'Humanizer'"),
    "java": ("org.apache.commons:commons-text", "1.12.0", "1.11.0", "package 'org.apache.commons:commons-text'"),
}


@pytest.mark.parametrize("language", sorted(CONFLICTS))
def test_every_resolver_reports_a_conflict_in_the_same_words(language):
    name, first, second, named = CONFLICTS[language]
    declared = [{"name": name, "version": first}, {"name": "unrelated-entry", "scope": "test"},
                {"name": name, "version": second}]
    with pytest.raises(DependencyError) as caught:
        RESOLVERS[language].requirements("", declared)
    assert str(caught.value) == f"conflicting versions of {named}: {first} ({DECLARED} [0]) and {second} ({DECLARED} [2])"
    assert caught.value.kind == "conflict" and caught.value.package == name


def test_python_keeps_its_own_merge_where_specifiers_agree():
    python = RESOLVERS["python"]
    assert python.requirements("", [{"name": "six", "version": ">=1"}, {"name": "six", "version": "<2"}]) == ("six<2,>=1",)
    with pytest.raises(DependencyError, match="conflicting versions of package 'six'") as caught:
        python.requirements("", [{"name": "six", "version": "1.0"}, {"name": "six", "version": "2.0"}])
    assert caught.value.kind == "conflict"


# -- scratch folder, progress line, CA plumbing, web API calls ------------------------------

def test_scratch_folder_is_removed_after_use_and_after_a_failure():
    with scratch("stellascript-test-") as folder:
        (folder / "file").write_text("x")
        kept = folder
    assert not kept.exists()
    with pytest.raises(RuntimeError), scratch("stellascript-test-") as folder:
        kept = folder
        raise RuntimeError("resolution failed")
    assert not kept.exists()


def test_the_progress_line_names_count_manager_source_and_set():
    lines: list[str] = []
    context = ResolveContext(client=None, base_image="unused", settings=DependencySettings(), progress=lines.append)
    RESOLVERS["typescript"].announce(context, "npm package(s)", ("a", "b@1"), "https://registry.example")
    RESOLVERS["python"].announce(context, "Python requirement(s)", iter(["six"]), "https://pypi.example", tool="pip 26")
    assert lines == ["resolving 2 npm package(s) with npm from https://registry.example: a, b@1",
                     "resolving 1 Python requirement(s) with pip 26 from https://pypi.example: six"]


def test_the_ca_bundle_is_used_only_when_it_exists(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    present, absent = DependencySettings(ca_bundle=str(bundle)), DependencySettings(ca_bundle=str(tmp_path / "none.pem"))
    assert present.ca_file == bundle and present.tls_verify == str(bundle)
    (name, file), = build_ca_files(present).items()
    assert file == bundle
    # The context's build/ folder is copied to BUILD_DIR: the bundle is where package managers are told it is.
    assert str(PurePosixPath(BUILD_DIR) / PurePosixPath(name).relative_to("build")) == CA_IN_BUILD
    assert absent.ca_file is None and absent.tls_verify is True and build_ca_files(absent) == {}


def test_an_unreachable_registry_is_a_clear_error_naming_it():
    with socket.socket() as listener:  # a port nothing listens on once this closes
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}/simple/six/"
    with pytest.raises(DependencyError) as caught:
        http_get(url, DependencySettings(), registry="the package index", source=f"http://127.0.0.1:{port}", package="six")
    assert str(caught.value).startswith(f"the package index http://127.0.0.1:{port} could not be reached: ")
    assert (caught.value.kind, caught.value.package, caught.value.source) == ("unreachable", "six", f"http://127.0.0.1:{port}")


def test_the_common_errors_name_package_and_source():
    error = unknown_package("six", "https://pypi.example/simple", " (no release of it there installs on this runtime)")
    assert str(error) == "package 'six' was not found at https://pypi.example/simple (no release of it there installs on this runtime)"
    assert (error.kind, error.package, error.source) == ("unknown_package", "six", "https://pypi.example/simple")
    output = "".join(f"line {n}\n" for n in range(1, 31)) + "\n\n"
    assert output_tail(output) == "\n".join(f"line {n}" for n in range(16, 31))
    assert output_tail("only\n", lines=3) == "only"


# -- the package manager's container ---------------------------------------------------------

def test_tool_container_has_the_sandbox_hardening_with_what_resolving_needs(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    options = tool_container_options("stella-runtime/python:latest", DependencySettings(ca_bundle=str(bundle)),
                                     ["pip", "install"], environment={"PIP_NO_INPUT": "1"}, mounts=[],
                                     workdir=tmp_path, what="pip (resolving)")
    assert_hardened(options, memory=TOOL_MEMORY, pids=TOOL_PIDS, tmpfs=TOOL_TMPFS)
    assert options["user"] == SCRIPT_USER
    assert options["network_mode"] == "host"  # registries are reached as the host reaches them
    assert "nano_cpus" not in options  # no CPU share to keep
    assert {u["Name"] for u in options["ulimits"]} == {"nofile", "core", "nproc"}  # no file-size limit: archives are large
    assert options["command"] == ["pip", "install"] and options["entrypoint"] == []
    assert options["environment"] == {"HOME": "/tmp", "PIP_NO_INPUT": "1"}
    assert options["labels"] == {TOOL_LABEL: "pip (resolving)"}
    mounts = {m["Target"]: m for m in options["mounts"]}
    assert mounts["/out"]["Source"] == str(tmp_path) and mounts["/out"]["ReadOnly"] is False
    assert mounts[CA_IN_CONTAINER]["Source"] == str(bundle) and mounts[CA_IN_CONTAINER]["ReadOnly"] is True


@pytest.mark.slow
def test_a_real_tool_container_is_unprivileged_read_only_and_writes_only_its_work_folder(
        docker_client, runtime_images, tmp_path):
    script = (
        "id -u; grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status; ulimit -c; "
        "touch /usr/stellascript-probe 2>/dev/null && echo root-writable || echo root-read-only; "
        "echo ok > /out/written; echo tmp > /tmp/t && echo tmp-writable"
    )
    lines: list[str] = []
    context = ResolveContext(docker_client, "stella-runtime/python:latest", DependencySettings(timeout_s=60),
                             lines.append, threading.Event())
    run = run_tool(context, ["sh", "-c", script], workdir=tmp_path, what="probe", source="nowhere")
    assert run.exit_code == 0, run.output
    output = run.output.split()
    assert output[0] == SCRIPT_USER.split(":")[0]
    assert "CapEff:" in output and output[output.index("CapEff:") + 1] == "0000000000000000"
    assert "NoNewPrivs:" in output and output[output.index("NoNewPrivs:") + 1] == "1"
    assert output[output.index("NoNewPrivs:") + 2] == "0"  # ulimit -c: no core dumps
    assert "root-read-only" in output and "tmp-writable" in output
    assert (tmp_path / "written").read_text() == "ok\n"
    assert lines and lines[0] == SCRIPT_USER.split(":")[0]  # its lines were streamed as progress
    assert docker_client.api.containers(all=True, filters={"label": f"{TOOL_LABEL}=probe"}) == []  # removed after


def test_extra_image_labels_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("STELLASCRIPT_DERIVED_IMAGE_LABELS", "io.example.owner = ci-42 ,, io.example.kind=test")
    assert DependencySettings().image_labels == {"io.example.owner": "ci-42", "io.example.kind": "test"}
    monkeypatch.delenv("STELLASCRIPT_DERIVED_IMAGE_LABELS")
    assert DependencySettings().image_labels == {}


@pytest.mark.slow
def test_derived_images_carry_the_extra_labels_this_session_gives_them(docker_client, runtime_images, derived_cleanup):
    """A lock of no packages (unique by a comment line) builds a new image in
    seconds; it carries the configured extra labels, the session's among them."""
    from jupyter_stellascript.dependencies import DerivedImages, Lock
    from jupyter_stellascript.dependencies.java import LOCK_HEADER
    from tests.dependencies.conftest import SESSION, SESSION_LABEL
    from tests.dependencies.images import remove_images_of_lock

    lock = Lock(language="java", requested=(), packages=(), lock_file=f"{LOCK_HEADER}# {uuid.uuid4().hex}\n")
    settings = DependencySettings()  # the environment's labels: this session's
    assert settings.image_labels == {SESSION_LABEL: SESSION}
    extra = {**settings.image_labels, "io.example.purpose": "label-test", "io.stellascript.derived": "no"}
    images = DerivedImages(docker_client, dataclasses.replace(settings, image_labels=extra))
    try:
        prepared = images.prepare("java", "stella-runtime/java:latest", (), lock=lock)
        assert prepared.built
        labels = docker_client.images.get(prepared.image).labels
        assert labels[SESSION_LABEL] == SESSION and labels["io.example.purpose"] == "label-test"
        assert labels["io.stellascript.derived"] == "true"  # ours, whatever the extra ones say
    finally:
        remove_images_of_lock(docker_client, lock.sha256)
