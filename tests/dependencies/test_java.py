"""Java: //DEPS lines and declared dependencies, resolved with their
transitive dependencies by the real Apache Maven against Maven Central.

The artifacts are small and stable: commons-text pulls in commons-lang3
(whose classes the scripts use), gson pulls in error_prone_annotations.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


from jupyter_stellascript.dependencies import DependencyError, DependencySettings, Lock, resolver_for
from jupyter_stellascript.dependencies.derived import LOCK_SHA_LABEL, derived_image_name
from jupyter_stellascript.dependencies.java import JAVA, parse_tree
from jupyter_stellascript.dependencies.models import locked_set_key, set_key
from jupyter_stellascript.execution.engine import ExecutionEngine
from jupyter_stellascript.execution.images import DEFINITION_LABEL  # inherited by the images built on a runtime image
from jupyter_stellascript.execution.models import ExecutionStatus, TerminationReason
from tests.dependencies.images import remove_image, unnamed_build_images
from tests.dependencies.runs import assert_malformed, dependency_engine, runner

CENTRAL = "https://repo.maven.apache.org/maven2"
JAVA_IMAGE = "stella-runtime/java:latest"
TEXT = "org.apache.commons:commons-text:1.12.0"
GSON = {"name": "com.google.code.gson:gson", "version": "2.11.0", "scope": "runtime"}
SET = ("com.google.code.gson:gson:2.11.0", TEXT)


def requirements(source: str, declared: list[dict] | None = None) -> tuple[str, ...]:
    return JAVA.requirements(source, declared or [])


# -- what a script asks for (no network) -------------------------------------------------

def test_deps_lines_take_several_artifacts_and_merge_with_the_declared_ones():
    source = ("//DEPS org.apache.commons:commons-text:1.12.0, com.google.code.gson:gson:2.11.0\n"
              "  //DEPS org.slf4j:slf4j-api:[2.0,3.0)  junit:junit:4.13.2:tests@jar\n"
              "public class Main { /* //DEPS in a comment mid-line is not a line of its own */ }\n")
    declared = [{"name": "org.json:json", "version": "20240303", "scope": "runtime"},
                {"name": "org.junit.jupiter:junit-jupiter", "version": "5.10.0", "scope": "test"},  # not to run
                {"name": "com.google.code.gson:gson", "version": "2.11.0"}]  # the same as //DEPS: no conflict
    assert requirements(source, declared) == (
        "com.google.code.gson:gson:2.11.0", "junit:junit:4.13.2:tests", "org.apache.commons:commons-text:1.12.0",
        "org.json:json:20240303", "org.slf4j:slf4j-api:[2.0,3.0)")


def test_the_same_set_written_differently_has_one_normalized_form():
    inline = requirements(f"//DEPS {GSON['name']}:{GSON['version']} {TEXT}\nclass A {{}}\n")
    declared = requirements("class A {}\n", [{"name": TEXT}, GSON])  # "g:a:v" as a name, or g:a + version
    assert inline == declared == SET


@pytest.mark.parametrize(("source", "declared", "needle"), [
    ("class A {}\n//DEPS\n", [], "//DEPS on line 2 names no artifact"),
    ("//DEPS org.apache.commons:commons-text:1.12.0\n\n//DEPS commons-text\n", [],
     "//DEPS on line 3: 'commons-text' is not group:artifact:version"),
    ("//DEPS org.apache.commons:commons-text:1.12.0:a:b\n", [], "//DEPS on line 1: 'org.apache.commons:commons-text:1.12.0:a:b'"),
    ("//DEPS io.quarkus:quarkus-bom:3.0.0@pom\n", [], "asks for a 'pom'; only jars go on the classpath"),
    ("//DEPS org.example:thing:1.0-SNAPSHOT\n", [], "is a snapshot, which changes under the same name"),
    ("class A {}\n", [{"name": "commons-text", "version": "1.12.0"}], "'commons-text' is not a Maven group:artifact"),
    ("class A {}\n", [{"name": "org.apache.commons:commons-text", "version": ""}], "needs a version"),
])
def test_malformed_dependencies_are_clear_errors(source, declared, needle):
    assert_malformed(lambda: requirements(source, declared), needle)


def test_conflicting_versions_name_the_package_and_both_origins():
    with pytest.raises(DependencyError) as caught:
        requirements(f"class A {{}}\n//DEPS {TEXT}\n", [{"name": "org.apache.commons:commons-text", "version": "1.11.0"}])
    assert caught.value.kind == "conflict" and caught.value.package == "org.apache.commons:commons-text"
    assert str(caught.value) == ("conflicting versions of package 'org.apache.commons:commons-text': "
                                 "1.12.0 (//DEPS on line 2) and 1.11.0 (the script's declared dependencies [0])")


def test_mavens_tree_is_read_in_classpath_order_with_depths():
    tree = ("io.stellascript.resolve:script:pom:0\n"
            "+- org.apache.commons:commons-text:jar:1.12.0:compile\n"
            "|  \\- org.apache.commons:commons-lang3:jar:3.14.0:compile\n"
            "\\- junit:junit:jar:tests:4.13.2:compile (optional)\n")
    nodes = parse_tree(tree)
    assert [(n.artifact.requirement, n.depth) for n in nodes] == [
        ("org.apache.commons:commons-text:1.12.0", 1), ("org.apache.commons:commons-lang3:3.14.0", 2),
        ("junit:junit:4.13.2:tests", 1)]


def test_java_is_a_supported_ecosystem():
    assert resolver_for("java") is JAVA


# -- the real Maven against Maven Central -------------------------------------------------

USES_ALL = f"""\
//DEPS {TEXT}
import com.google.gson.Gson;
import org.apache.commons.lang3.StringUtils;
import org.apache.commons.text.WordUtils;

public class Main {{
    public static void main(String[] args) throws Exception {{
        System.out.println(WordUtils.capitalize("hello maven"));
        System.out.println(StringUtils.reverse("transitive"));  // commons-lang3: pulled in by commons-text
        System.out.println(new Gson().toJson(java.util.Map.of("a", 1)));
        try (var socket = new java.net.Socket("repo.maven.apache.org", 443)) {{
            System.out.println("online");
        }} catch (java.io.IOException expected) {{
            System.out.println("offline");
        }}
    }}
}}
"""
EXPECTED = "Hello Maven\nevitisnart\n{\"a\":1}\noffline\n"


@pytest.fixture(scope="module")
def java_engine(docker_client, runtime_images, derived_cleanup) -> Iterator[ExecutionEngine]:
    with dependency_engine(docker_client, {"maven": CENTRAL}) as engine:
        yield engine


run = runner("java", timeout_s=120)


def images_of_build_in_progress(docker_client) -> set[str]:
    """Images a build on the java runtime image left behind (builds on other images may be running now)."""
    definition = docker_client.images.get(JAVA_IMAGE).labels[DEFINITION_LABEL]
    return unnamed_build_images(docker_client, f"{DEFINITION_LABEL}={definition}")


@pytest.mark.slow
def test_an_inline_and_a_declared_dependency_with_their_transitive_ones_run_offline(java_engine, docker_client):
    result = run(java_engine, USES_ALL, [GSON])
    assert result.status is ExecutionStatus.SUCCEEDED, (result.error, result.stderr)
    assert result.stdout == EXPECTED  # "offline": the script itself has no network
    assert result.image.startswith("stella-runtime/java:") and not result.image.endswith(":latest")
    lock = Lock.from_dict(result.dependency_lock)
    assert result.dependency_lock_sha256 == lock.sha256
    packages = {p.name: p for p in lock.packages}
    assert set(packages) == {"org.apache.commons:commons-text", "org.apache.commons:commons-lang3",
                             "com.google.code.gson:gson", "com.google.errorprone:error_prone_annotations"}
    assert packages["org.apache.commons:commons-text"].requested
    assert packages["org.apache.commons:commons-text"].dependencies == ("org.apache.commons:commons-lang3",)
    assert not packages["org.apache.commons:commons-lang3"].requested
    assert (packages["com.google.code.gson:gson"].version, packages["org.apache.commons:commons-text"].version) == ("2.11.0", "1.12.0")
    assert all(len(p.hashes) == 1 and p.hashes[0].startswith("sha256:") and len(p.hashes[0]) == 71 for p in lock.packages)
    lang3 = packages["org.apache.commons:commons-lang3"]
    assert f"org.apache.commons:commons-lang3:{lang3.version} {lang3.hashes[0]}\n" in lock.lock_file
    assert lock.source == CENTRAL and "maven-dependency-plugin" in lock.command and lock.tool.startswith("Apache Maven 3.9")
    assert lock.runtime.startswith("java ")
    assert "[stellascript] resolving 2 Java artifact(s) with Apache Maven" in result.stderr  # progress, in the logs
    # The image is this set's, and names its lock.
    assert docker_client.images.get(result.image).labels[LOCK_SHA_LABEL] == lock.sha256
    key = set_key("java", docker_client.images.get(JAVA_IMAGE).id, CENTRAL, SET)
    assert docker_client.images.get(derived_image_name("java", key)).id == docker_client.images.get(result.image).id


@pytest.mark.slow
def test_a_second_script_with_the_same_set_reuses_the_image(java_engine):
    first = run(java_engine, USES_ALL, [GSON])
    assert first.status is ExecutionStatus.SUCCEEDED, first.error
    counts = (java_engine.derived_images.resolutions, java_engine.derived_images.builds)
    other = ("//DEPS com.google.code.gson:gson:2.11.0\n"
             "public class Other { public static void main(String[] a) {\n"
             "  System.out.println(org.apache.commons.lang3.StringUtils.capitalize(\"other\")); } }\n")
    second = run(java_engine, other, [{"name": TEXT}])
    assert second.status is ExecutionStatus.SUCCEEDED, (second.error, second.stderr)
    assert second.stdout == "Other\n"
    assert second.image == first.image and second.dependency_lock_sha256 == first.dependency_lock_sha256
    assert (java_engine.derived_images.resolutions, java_engine.derived_images.builds) == counts
    # Without dependencies, the plain runtime image: the jars are not there.
    plain = run(java_engine, "public class Plain { public static void main(String[] a) {\n"
                "  System.out.println(org.apache.commons.lang3.StringUtils.capitalize(\"x\")); } }\n")
    assert plain.status is ExecutionStatus.FAILED and plain.image == JAVA_IMAGE
    assert "org.apache.commons.lang3 does not exist" in plain.stderr


VERSION_OF_TEXT = """\
public class Which {
    public static void main(String[] args) {
        System.out.println(org.apache.commons.text.WordUtils.class.getPackage().getImplementationVersion());
    }
}
"""


@pytest.mark.slow
def test_a_saved_lock_is_used_exactly_even_when_newer_releases_match(java_engine, docker_client):
    """A lock saved when 1.10.0 was the newest commons-text in a range keeps
    1.10.0 though newer releases match today, and is installed from the lock
    (nothing resolved) when no image has it."""
    ranged = [{"name": "org.apache.commons:commons-text", "version": "[1.10.0,)"}]
    asked = requirements(VERSION_OF_TEXT, ranged)
    derived = java_engine.derived_images
    then = derived.resolve("java", JAVA_IMAGE, ("org.apache.commons:commons-text:1.10.0",))
    saved = Lock.from_dict({**then.to_dict(), "requested": list(asked), "sha256": None})
    base_id = docker_client.images.get(JAVA_IMAGE).id
    image = derived_image_name("java", locked_set_key("java", base_id, saved))
    if derived._image(image) is not None:  # left by an earlier session: build it anew from the lock
        remove_image(docker_client, image)

    resolutions = derived.resolutions
    locked = run(java_engine, VERSION_OF_TEXT, ranged, lock=saved.to_dict())
    assert locked.status is ExecutionStatus.SUCCEEDED, (locked.error, locked.stderr)
    assert locked.stdout == "1.10.0\n" and locked.image == image
    assert locked.dependency_lock_sha256 == saved.sha256 and derived.resolutions == resolutions
    assert {p.name: p.version for p in saved.packages}["org.apache.commons:commons-lang3"]  # transitive, locked too

    # ... while the repository offers newer releases in the range.
    [found] = JAVA.search("org.apache.commons:commons-text", DependencySettings(sources={"maven": CENTRAL}))
    assert "1.12.0" in found["versions"] and found["latest"] != "1.10.0"


@pytest.mark.slow
def test_a_lock_whose_hash_does_not_match_builds_nothing(java_engine, docker_client):
    good = java_engine.derived_images.prepare("java", JAVA_IMAGE, SET).lock
    wrong = good.packages[0].hashes[0]
    forged = Lock.from_dict({**good.to_dict(), "lock_file": good.lock_file.replace(wrong, "sha256:" + "0" * 64),
                             "packages": [{**p.to_dict(), "hashes": ["sha256:" + "0" * 64] if p.hashes[0] == wrong else list(p.hashes)}
                                          for p in good.packages], "sha256": None})
    leftovers = images_of_build_in_progress(docker_client)
    with pytest.raises(DependencyError) as caught:
        java_engine.derived_images.prepare("java", JAVA_IMAGE, SET, lock=forged)
    assert "does not match the lock's hash" in str(caught.value) and caught.value.package == good.packages[0].name
    base_id = docker_client.images.get(JAVA_IMAGE).id
    assert java_engine.derived_images._image(derived_image_name("java", locked_set_key("java", base_id, forged))) is None
    assert images_of_build_in_progress(docker_client) <= leftovers


@pytest.mark.slow
@pytest.mark.parametrize(("source", "declared", "package", "needle"), [
    ("//DEPS org.apache.commons:commons-text:1.12.0,,commons-lang3\nclass A {}\n", [], "commons-lang3",
     "//DEPS on line 1: 'commons-lang3' is not group:artifact:version"),
    (f"//DEPS {TEXT}\nclass A {{}}\n", [{"name": "org.apache.commons:commons-text", "version": "1.11.0"}],
     "org.apache.commons:commons-text", "conflicting versions of package 'org.apache.commons:commons-text'"),
])
def test_a_run_with_bad_dependencies_ends_in_error_before_anything_runs(java_engine, source, declared, package, needle):
    result = run(java_engine, source, declared)
    assert result.status is ExecutionStatus.ERROR and result.termination_reason is TerminationReason.DEPENDENCY_ERROR
    assert needle in result.error, result.error
    assert result.image == JAVA_IMAGE and result.dependency_lock is None and result.exit_code is None
    with pytest.raises(DependencyError) as caught:
        requirements(source, declared)
    assert caught.value.package == package


@pytest.mark.slow
@pytest.mark.parametrize(("asked", "kind", "package", "needle"), [
    (("org.stellascript.nope:no-such-artifact-4e1f:1.0",), "unknown_package", "org.stellascript.nope:no-such-artifact-4e1f",
     f"package 'org.stellascript.nope:no-such-artifact-4e1f' was not found at {CENTRAL}"),
    (("org.apache.commons:commons-text:99.0.0",), "unknown_version", "org.apache.commons:commons-text",
     f"no version of package 'org.apache.commons:commons-text' matches '99.0.0' at {CENTRAL} (available: ..., "),
])
def test_what_maven_cannot_find_is_a_clear_error_and_leaves_nothing(java_engine, docker_client, asked, kind, package, needle):
    """(Through the engine, any DependencyError ends the run as above.)"""
    leftovers = images_of_build_in_progress(docker_client)
    with pytest.raises(DependencyError) as caught:
        java_engine.derived_images.prepare("java", JAVA_IMAGE, asked)
    assert needle in str(caught.value), str(caught.value)
    assert (caught.value.kind, caught.value.package, caught.value.source) == (kind, package, CENTRAL)
    key = set_key("java", docker_client.images.get(JAVA_IMAGE).id, CENTRAL, asked)
    assert java_engine.derived_images._image(derived_image_name("java", key)) is None
    assert images_of_build_in_progress(docker_client) <= leftovers


# -- search --------------------------------------------------------------------------------

@pytest.mark.slow
def test_search_by_exact_coordinates_asks_the_repository():
    settings = DependencySettings(sources={"maven": CENTRAL})
    [found] = JAVA.search("org.apache.commons:commons-text", settings)
    assert found["name"] == "org.apache.commons:commons-text" and found["source"] == CENTRAL
    assert "1.12.0" in found["versions"] and found["versions"][0] == found["latest"]
    assert JAVA.search("org.stellascript.nope:no-such-artifact-4e1f", settings) == []


@pytest.mark.slow
def test_free_text_search_asks_maven_centrals_search_or_says_it_cannot_be_reached():
    """search.maven.org is not reachable from some networks (it is not the
    repository): then the error says so, and how to search instead."""
    settings = DependencySettings(sources={"maven": CENTRAL})
    try:
        found = JAVA.search("commons-text", settings)
    except DependencyError as error:
        assert error.kind == "unreachable"
        assert str(error).startswith("Maven Central's search (https://search.maven.org/solrsearch/select) could not be reached")
        assert "exact coordinates (group:artifact)" in str(error)
    else:
        assert "org.apache.commons:commons-text" in {item["name"] for item in found}
