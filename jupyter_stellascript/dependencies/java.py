"""Java: ``//DEPS`` lines (the JBang convention) and declared dependencies,
resolved by Apache Maven with their transitive dependencies.

A script declares what it needs in its own file::

    //DEPS org.apache.commons:commons-text:1.12.0
    //DEPS com.google.code.gson:gson:2.11.0, org.slf4j:slf4j-api:[2.0,3.0)

(``group:artifact:version[:classifier][@jar]``, several per line, separated
by commas or spaces) and/or on its registry record ([{name: "group:artifact",
version, scope}]; only scope "runtime" is installed). Both are merged into
one set; one artifact asked for at two versions is an error naming it.

The real Apache Maven (see ``maven.py``) resolves the set in a container of
the java runtime image, from a minimal POM that depends on it, with the
maven-dependency-plugin: ``tree`` gives the resolved graph (Maven's own
conflict resolution, nearest wins) and ``copy-dependencies`` the jars of the
runtime classpath, whose SHA-256 are locked. The lock lists every artifact on
that classpath, in Maven's order, with its hash.

The derived image holds exactly the locked jars (each checked against its
hash while the image is built) in ``/opt/stellascript/classpath``, which the
java language's javac and java commands put on their class path.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from docker.types import Mount

from ..languages.java import DEPENDENCY_CLASSPATH_DIR
from . import maven
from .maven import maven_argv, pom_text, settings_text
from .base import (CA_IN_CONTAINER, BuildFiles, Declared, ResolveContext, Resolver, Wanted, line_with,
                   merge_versions, run_tool, runtime_dependencies, scratch, unknown_package)
from .maven_index import REGISTRY, published_versions, search_central
from .models import DependencyError, DependencySettings, Lock, LockedPackage

INLINE = "//DEPS"
LOCK_HEADER = ("# Stella Script dependency lock (java): the runtime classpath as resolved by Apache Maven, in order;\n"
               "# group:artifact:version[:classifier] sha256:<hash of the jar>\n")

_DEPS_LINE = re.compile(r"^[ \t]*//DEPS(?=[ \t]|$)(.*)$", re.M)
_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
# A version, or a Maven range ("[1.0,2.0)", "[1.5,)", "[1,2),[3,4)").
_VERSION = r"(?:[A-Za-z0-9_][A-Za-z0-9_.+\-]*|[\[(][^\[\]()\s]*[\])](?:,[\[(][^\[\]()\s]*[\])])*)"
_COORDINATES = re.compile(rf"^(?P<group>{_NAME}):(?P<artifact>{_NAME}):(?P<version>{_VERSION})(?::(?P<classifier>{_NAME}))?"
                          rf"(?:@(?P<type>\w+))?$")
_GROUP_ARTIFACT = re.compile(rf"^(?P<group>{_NAME}):(?P<artifact>{_NAME})$")


@dataclass(frozen=True)
class Artifact:
    """One artifact asked for: Maven coordinates of a jar."""

    group: str
    artifact: str
    version: str
    classifier: str = ""

    @property
    def name(self) -> str:
        """What it is called in locks and messages: group:artifact[:classifier]."""
        return f"{self.group}:{self.artifact}" + (f":{self.classifier}" if self.classifier else "")

    @property
    def requirement(self) -> str:
        return f"{self.group}:{self.artifact}:{self.version}" + (f":{self.classifier}" if self.classifier else "")

    @classmethod
    def parse(cls, text: str, origin: str) -> Artifact:
        match = _COORDINATES.match(text)
        if not match:
            raise DependencyError(
                f"{origin}: {text!r} is not group:artifact:version[:classifier] "
                "(e.g. org.apache.commons:commons-text:1.12.0)", kind="malformed", package=text)
        if match["type"] not in (None, "jar"):
            raise DependencyError(f"{origin}: {text!r} asks for a {match['type']!r}; only jars go on the classpath",
                                  kind="malformed", package=text)
        if match["version"].upper().endswith("-SNAPSHOT"):
            raise DependencyError(f"{origin}: {text!r} is a snapshot, which changes under the same name and cannot be "
                                  "locked; ask for a release", kind="malformed", package=text)
        return cls(match["group"], match["artifact"], match["version"], match["classifier"] or "")

    def path(self, extension: str = "jar") -> str:
        """Its file in a Maven repository (the repository layout)."""
        classifier = f"-{self.classifier}" if self.classifier else ""
        return (f"{self.group.replace('.', '/')}/{self.artifact}/{self.version}/"
                f"{self.artifact}-{self.version}{classifier}.{extension}")

    @property
    def jar_name(self) -> str:
        """Its file in the derived image's flat classpath folder."""
        classifier = f"-{self.classifier}" if self.classifier else ""
        return f"{self.group}_{self.artifact}-{self.version}{classifier}.jar"


# -- reading what a script asks for ------------------------------------------------

def _items(text: str) -> list[str]:
    """A //DEPS line's artifacts: separated by commas or blanks, except the
    commas inside a version range."""
    items, current, depth = [], "", 0
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth = max(0, depth - 1)
        if depth == 0 and (char == "," or char.isspace()):
            if current:
                items.append(current)
            current = ""
            continue
        current += char
    if current:
        items.append(current)
    return items


def inline_artifacts(source: str) -> list[tuple[Artifact, str]]:
    """Every //DEPS artifact with where it was written ("//DEPS on line 3")."""
    found = []
    for match in _DEPS_LINE.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        origin = f"{INLINE} on line {line}"
        items = _items(match.group(1))
        if not items:
            raise DependencyError(f"{origin} names no artifact (write //DEPS group:artifact:version)", kind="malformed")
        found.extend((Artifact.parse(item, origin), origin) for item in items)
    return found


def declared_artifact(dependency: Declared) -> Artifact:
    """A registry record's {name: "group:artifact", version}; "group:artifact:version"
    as the name, without a version, is accepted too."""
    origin, name, version = dependency.origin, dependency.name, dependency.version
    if not version and name.count(":") >= 2:
        return Artifact.parse(name, origin)
    if not _GROUP_ARTIFACT.match(name):
        raise DependencyError(f"{origin}: {name!r} is not a Maven group:artifact (e.g. org.apache.commons:commons-text)",
                              kind="malformed", package=name)
    if not version or version in ("*", "latest"):
        raise DependencyError(f"{origin}: {name!r} needs a version (e.g. 1.12.0, or a Maven range such as [1.0,2.0))",
                              kind="malformed", package=name)
    return Artifact.parse(f"{name}:{version}", origin)


def merge(artifacts: list[tuple[Artifact, str]]) -> list[Artifact]:
    """One version per artifact; two different ones are an error naming it and where each was asked."""
    first = {}
    for artifact, _ in artifacts:
        first.setdefault(artifact.name, artifact)
    merged = merge_versions(Wanted(artifact.name, artifact.version, origin) for artifact, origin in artifacts)
    return [first[wanted.name] for wanted in merged]  # an artifact always has a version: merged ones are the first


# -- Maven --------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    artifact: Artifact
    type: str
    depth: int


def parse_tree(text: str) -> list[Node]:
    """maven-dependency-plugin's text tree, in its (the classpath's) order;
    the project itself, the first line, is left out."""
    nodes = []
    for line in text.splitlines()[1:]:
        start = next((i for i, char in enumerate(line) if char.isalnum()), None)
        if start is None:
            continue
        parts = line[start:].split()[0].split(":")
        if len(parts) == 5:
            group, artifact, kind, version, _scope = parts
            classifier = ""
        elif len(parts) == 6:
            group, artifact, kind, classifier, version, _scope = parts
        else:
            raise DependencyError(f"Maven's dependency tree has a line this cannot read: {line!r}")
        nodes.append(Node(Artifact(group, artifact, version, classifier), kind, start // 3))
    return nodes


def _maven_failure(output: str, wanted: list[Artifact], source: str, settings: DependencySettings) -> DependencyError:
    """A clear error, naming the package and the source, from Maven's output."""
    unreachable = re.search(r"(PKIX path building failed|UnknownHostException|Connection refused|connect timed out|"
                            r"Read timed out|No route to host|Could not transfer artifact)", output)
    if unreachable:
        hint = (" (the JVM does not trust the registry's certificate: set the CA bundle with "
                "STELLASCRIPT_DEPENDENCY_CA_BUNDLE)") if "PKIX" in unreachable.group(1) else ""
        return DependencyError(f"{REGISTRY} {source} could not be reached: "
                               f"{line_with(output, unreachable.group(1))}{hint}", kind="unreachable", source=source)
    missing = (re.search(r"Could not find artifact (\S+)", output)
               or re.search(r"No versions available for (\S+) within specified range", output)
               or re.search(r"The following artifacts could not be resolved: ([^\s,]+)", output))
    if missing:
        parts = missing.group(1).rstrip(":,.").split(":")  # group:artifact:type[:classifier]:version
        name = f"{parts[0]}:{parts[1]}"
        versions = published_versions(parts[0], parts[1], source, settings)
        if versions is None:
            return unknown_package(name, source)
        asked = next((a for a in wanted if f"{a.group}:{a.artifact}" == name), None)
        version = asked.version if asked else parts[-1]
        pulled = "" if asked else " (a dependency of what the script asks for)"
        if version in versions:  # the version is there, but not the file asked for (a classifier)
            return DependencyError(f"{missing.group(1)}{pulled} was not found at {source}: version {version} of package "
                                   f"{name!r} has no such file", kind="unknown_version", package=name, source=source)
        shown = ", ".join(versions[-10:])
        return DependencyError(
            f"no version of package {name!r}{pulled} matches {version!r} at {source} "
            f"(available: {'..., ' if len(versions) > 10 else ''}{shown})",
            kind="unknown_version", package=name, source=source)
    errors = [line for line in output.splitlines() if line.startswith("[ERROR]") and line.strip() != "[ERROR]"]
    tail = "\n".join((errors or output.strip().splitlines())[-15:])
    return DependencyError(f"Apache Maven could not resolve the dependencies from {source}:\n{tail}", source=source)


def lock_file_text(packages: list[LockedPackage]) -> str:
    lines = [LOCK_HEADER]
    for package in packages:
        artifact = artifact_of(package)
        lines.append(f"{artifact.requirement} {package.hashes[0]}\n")
    return "".join(lines)


def artifact_of(package: LockedPackage) -> Artifact:
    group, name, *classifier = package.name.split(":")
    return Artifact(group, name, package.version, classifier[0] if classifier else "")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


class JavaResolver(Resolver):
    language = "java"
    ecosystem = "maven"
    manager = "Apache Maven"

    def requirements(self, source: str, declared: list[dict]) -> tuple[str, ...]:
        wanted = inline_artifacts(source)
        wanted += [(declared_artifact(dependency), dependency.origin) for dependency in runtime_dependencies(declared)]
        return tuple(sorted(artifact.requirement for artifact in merge(wanted)))

    def resolve(self, requirements: tuple[str, ...], context: ResolveContext) -> Lock:
        settings = context.settings
        source = settings.source(self.ecosystem)
        wanted = [Artifact.parse(requirement, "the dependency set") for requirement in requirements]
        home = maven.maven_home(settings, context.progress)
        argv = maven_argv()
        ca_bundle = settings.ca_file
        mounts = [
            Mount(maven.MAVEN_HOME_IN_CONTAINER, str(home), type="bind", read_only=True),
            Mount(maven.TOOLS_IN_CONTAINER, str(maven.tools_dir()), type="bind", read_only=True),
            Mount(maven.REPOSITORY_IN_CONTAINER, str(maven.local_repository()), type="bind", read_only=False),
        ]
        script = f"exec {shlex.join(argv)}"
        # A short-lived JVM: the C1 compiler only and one GC thread start Maven much faster.
        maven_options = ["-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"]
        if ca_bundle:
            mounts.append(Mount(maven.TRUSTSTORES_IN_CONTAINER, str(maven.truststores_dir()), type="bind", read_only=False))
            store = f"{maven.TRUSTSTORES_IN_CONTAINER}/{maven.truststore_name(ca_bundle)}"
            maven_options += [f"-Djavax.net.ssl.trustStore={store}", "-Djavax.net.ssl.trustStoreType=PKCS12",
                              f"-Djavax.net.ssl.trustStorePassword={maven.TRUSTSTORE_PASSWORD}"]
            # Made once per bundle, atomically (another resolution may be making it too).
            script = (f"if [ ! -s {store} ]; then "
                      f"java {maven.TOOLS_IN_CONTAINER}/TrustStore.java {CA_IN_CONTAINER} {store}.$$ "
                      f"{maven.TRUSTSTORE_PASSWORD} && mv -f {store}.$$ {store} || "
                      f"{{ echo {shlex.quote(f'[ERROR] the CA bundle {ca_bundle} is not PEM certificates Java reads')} >&2; "
                      "exit 1; }; "
                      f"fi; {script}")
        with scratch("stellascript-resolve-") as workdir:
            (workdir / "pom.xml").write_text(pom_text(wanted))
            egress = settings.egress(self.ecosystem)
            (workdir / "settings.xml").write_text(settings_text(source, proxied=egress is not None))
            self.announce(context, "Java artifact(s)", requirements, source, tool=f"Apache Maven {maven.MAVEN_VERSION}")
            run = run_tool(context, ["sh", "-c", script], environment={"MAVEN_OPTS": " ".join(maven_options)},
                           mounts=mounts, workdir=workdir, what="Apache Maven (resolving Java dependencies)",
                           source=source, egress=egress)
            tree = workdir / "tree.txt"
            if run.exit_code != 0 or not tree.is_file():
                raise _maven_failure(run.output, wanted, source, settings)
            packages = self._packages(parse_tree(tree.read_text()), workdir / "jars", source)
        java_version = re.search(r"^Java version: ([^,\s]+)", run.output, re.MULTILINE)
        return Lock(
            language=self.language, requested=requirements, packages=tuple(packages),
            lock_file=lock_file_text(packages), source=source, command=shlex.join(["mvn", *argv[1:]]),
            tool=f"Apache Maven {maven.MAVEN_VERSION} ({maven.DEPENDENCY_PLUGIN.rsplit(':', 2)[1]} "
                 f"{maven.DEPENDENCY_PLUGIN.rsplit(':', 1)[1]})",
            runtime=f"java {java_version.group(1)}" if java_version else "",
        )

    @staticmethod
    def _packages(nodes: list[Node], jars: Path, source: str) -> list[LockedPackage]:
        """The runtime classpath: every jar of the tree, in its order, with
        its hash and the artifacts it pulled in; each jar is kept by hash."""
        on_classpath = [node for node in nodes if (jars / node.artifact.path()).is_file()]
        missing = [node.artifact.requirement for node in nodes
                   if node.type in ("jar", "bundle") and not (jars / node.artifact.path()).is_file()]
        if missing:
            raise DependencyError(f"Apache Maven resolved but did not fetch {', '.join(missing)} from {source}",
                                  source=source)
        names = {node.artifact.name for node in on_classpath}
        if len({node.artifact.jar_name for node in on_classpath}) != len(on_classpath):
            raise DependencyError("two artifacts of the set would have the same jar name on the classpath", source=source)
        packages = []
        for index, node in enumerate(nodes):
            if node.artifact.name not in names:
                continue
            children = []
            for child in nodes[index + 1:]:
                if child.depth <= node.depth:
                    break
                if child.depth == node.depth + 1 and child.artifact.name in names:
                    children.append(child.artifact.name)
            jar = jars / node.artifact.path()
            digest = _sha256(jar)
            maven.keep(jar, digest)
            packages.append(LockedPackage(name=node.artifact.name, version=node.artifact.version,
                                          hashes=(f"sha256:{digest}",), requested=node.depth == 1,
                                          dependencies=tuple(sorted(children))))
        return packages

    def build_files(self, lock: Lock, base_image: str, settings: DependencySettings) -> BuildFiles:
        """The locked jars (from the jar store, or downloaded again and
        checked), checked once more by sha256sum while the image is built."""
        source = settings.source(self.ecosystem)
        files: dict[str, bytes | Path] = {"dependencies.lock": lock.lock_file.encode()}
        checks = []
        for package in lock.packages:
            artifact = artifact_of(package)
            digest = package.hashes[0].removeprefix("sha256:")
            url = f"{source.rstrip('/')}/{artifact.path()}"
            files[f"classpath/{artifact.jar_name}"] = maven.download_verified(
                url, digest, settings, what=f"{artifact.requirement}", package=package.name, source=source)
            checks.append(f"{digest}  {DEPENDENCY_CLASSPATH_DIR}/{artifact.jar_name}\n")
        files["classpath.sha256"] = "".join(checks).encode()
        dockerfile = (
            f"FROM {base_image}\n"
            + (f"COPY classpath/ {DEPENDENCY_CLASSPATH_DIR}/\n" if lock.packages else "")
            + "COPY classpath.sha256 dependencies.lock /opt/stellascript/\n"
            + ("RUN sha256sum --check --quiet /opt/stellascript/classpath.sha256\n" if lock.packages else "")
        )
        return BuildFiles(dockerfile=dockerfile, files=files)

    # -- search ----------------------------------------------------------------------

    def search(self, query: str, settings: DependencySettings) -> list[dict]:
        """Exact coordinates (group:artifact) are looked up in the repository
        itself (its maven-metadata.xml), which any Maven repository serves;
        other text goes to Maven Central's search (solrsearch), which is
        only Central's (STELLASCRIPT_MAVEN_SEARCH points elsewhere)."""
        source = settings.source(self.ecosystem)
        query = query.strip()
        exact = _GROUP_ARTIFACT.match(query)
        if exact:
            versions = published_versions(exact["group"], exact["artifact"], source, settings)
            if not versions:
                return []
            newest_first = list(reversed(versions))
            return [{"name": query, "versions": newest_first[:50], "latest": newest_first[0],
                     "source": source, "match": "exact coordinates"}]
        return search_central(query, settings)


JAVA = JavaResolver()
