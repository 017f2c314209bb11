"""C#: ``#r "nuget: Name, Version"``, ``#:package Name@Version`` and declared
dependencies, resolved by NuGet.

A script names packages in its own file, as dotnet-script (``.csx``) and
.NET 10 file-based programs (``.cs``) do::

    #r "nuget: Newtonsoft.Json, 13.0.3"
    #:package Humanizer@2.14.1

and/or on its registry record ([{name, version, scope}]; only scope
"runtime" is installed). A version is exact (NuGet's own meaning of a bare
version is "this or newer", but a script's run must not change under it) or
empty/``*`` for the newest. The same package asked for at two versions is an
error naming it. Ids are compared without case, but write them in their own
case: NuGet 2.8 finds packages in a folder feed by file name, and Linux file
names have case.

The real NuGet client resolves the set: Debian's ``nuget`` (NuGet 2.8 on
Mono, installed in the C# runtime image) runs ``nuget install`` for each
package in a container of that image, which downloads it and its transitive
dependencies. NuGet 2.8 speaks the v2 protocol and reads folder feeds (a
folder of ``.nupkg`` files, given as a path or ``file://`` URL); a v3
``index.json`` source is refused with a clear error. The lock is NuGet's
``packages.lock.json`` form (exact versions, the SHA-512 of each ``.nupkg``
as its ``contentHash``); the derived image restores exactly those packages
from a ``packages.config`` (no dependency resolution), checks each
``.nupkg`` against its SHA-512, and puts each package's assemblies (the best
``lib/<framework>`` folder for Mono) in /opt/stellascript/nuget/lib, which is
on MONO_PATH, with a response file of ``-r:`` references that the C#
language's compile step passes to mcs when present.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree

from docker.types import Mount

from ..languages.csharp import NUGET_REFERENCES
from .base import (BUILD_DIR, BuildFiles, ResolveContext, Resolver, Wanted, merge_versions, output_tail, run_tool,
                   runtime_dependencies, scratch, unknown_package)
from .models import DependencyError, DependencySettings, Lock, LockedPackage

INLINE = "the script's '#r \"nuget: ...\"' and '#:package' lines"
NUGET_ROOT = "/opt/stellascript/nuget"
NUGET_LIB = f"{NUGET_ROOT}/lib"
FEED_IN_CONTAINER = "/opt/stellascript/nuget-feed"
TARGET_FRAMEWORK = ".NETFramework,Version=v4.7.2"  # what Mono 6.8 implements
NUGET_OPTIONS = ["-NonInteractive", "-NoCache"]

# NuGet package ids (NuGet.Packaging's PackageIdValidator) and versions (SemVer 2 with up to 4 numbers).
_ID = re.compile(r"^\w+(?:[_.-]\w+)*$")
_VERSION = re.compile(r"^\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_ANY = ("", "*", "latest")
_R_NUGET = re.compile(r'^\s*#r\s+"\s*nuget\s*:', re.IGNORECASE)
_R_NUGET_LINE = re.compile(r'^\s*#r\s+"\s*nuget\s*:\s*(?P<id>[^,"\s]+)\s*(?:,\s*(?P<version>[^"]*?)\s*)?"\s*(?://.*)?$', re.IGNORECASE)
_PACKAGE = re.compile(r"^\s*#:package\b")
_PACKAGE_LINE = re.compile(r"^\s*#:package\s+(?P<id>[^@\s]+)(?:@(?P<version>\S*))?\s*$")
# The two ways of naming a package in the file: (a line of that form, the
# line's exact syntax, what the syntax is in an error message).
_INLINE_FORMS = (
    (_R_NUGET, _R_NUGET_LINE, "'#r \"nuget: Name, Version\"'"),
    (_PACKAGE, _PACKAGE_LINE, "'#:package Name@Version'"),
)

# The lib/ folders Mono can load, best first (NuGet's nearest-framework
# order for .NET Framework 4.7.2), then a lib/ folder without one.
FRAMEWORK_PREFERENCE = (
    "net472", "net471", "net47", "net462", "net461", "net46", "net452", "net451", "net45", "net403", "net40",
    "net4", "net35", "net20", "netstandard2.0", "netstandard1.6", "netstandard1.5", "netstandard1.4",
    "netstandard1.3", "netstandard1.2", "netstandard1.1", "netstandard1.0",
)


# -- reading what a script asks for ------------------------------------------------

def normalized_version(version: str) -> str:
    """NuGet's normal form: at least three numbers, a zero fourth dropped,
    no build metadata (1.2 -> 1.2.0, 1.2.3.0 -> 1.2.3)."""
    core, _, _metadata = version.partition("+")
    numbers, dash, label = core.partition("-")
    parts = numbers.split(".")
    parts += ["0"] * (3 - len(parts))
    if len(parts) == 4 and int(parts[3]) == 0:
        parts = parts[:3]
    return ".".join(str(int(p)) for p in parts) + (dash + label if dash else "")


def _requirement(package_id: str, version: str | None, origin: str, where: str | None = None) -> Wanted:
    """A package id and its exact version ("" for the newest), normalized;
    ``origin`` names it in errors, ``where`` (default: origin) in conflicts."""
    package_id, version = package_id.strip(), (version or "").strip()
    if not _ID.match(package_id) or len(package_id) > 100:
        raise DependencyError(f"{origin}: {package_id!r} is not a NuGet package id", kind="malformed", package=package_id)
    if version in _ANY:
        return Wanted(package_id, "", where or origin)
    if version[:1] in "[(" or "," in version:
        raise DependencyError(f"{origin}: version {version!r} of {package_id!r} is a range; give an exact version "
                              "(or none, or '*', for the newest): a script's run must not change under it",
                              kind="malformed", package=package_id)
    if not _VERSION.match(version):
        raise DependencyError(f"{origin}: {version!r} is not a NuGet version of {package_id!r}",
                              kind="malformed", package=package_id)
    return Wanted(package_id, normalized_version(version), where or origin)


def inline_requirements(source: str) -> list[Wanted]:
    """Each '#r "nuget: ..."' and '#:package' line's package, where being the line."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        form = next((form for form in _INLINE_FORMS if form[0].match(line)), None)
        if form is None:
            continue
        _, exact, expected = form
        match = exact.match(line)
        origin = f"line {number}"
        if not match:
            raise DependencyError(f"{INLINE}: line {number} is malformed: {line.strip()!r} (expected {expected})",
                                  kind="malformed")
        found.append(_requirement(match.group("id"), match.group("version"), f"{INLINE}, {origin}",
                                  where=f"{origin} ({line.strip()})"))
    return found


def merge(wanted: list[Wanted]) -> tuple[str, ...]:
    """One 'Id' or 'Id@Version' per package (ids compare without case)."""
    merged = merge_versions(wanted, key=str.lower)
    return tuple(sorted((f"{w.name}@{w.version}" if w.version else w.name for w in merged), key=str.lower))


def split_requirement(requirement: str) -> tuple[str, str]:
    package_id, _, version = requirement.partition("@")
    return package_id, version


# -- the source --------------------------------------------------------------------

def folder_feed(source: str) -> Path | None:
    """The host folder a folder feed names (a path or a file:// URL), else None."""
    if source.startswith("file://"):
        return Path(unquote(urlparse(source).path))
    if source.startswith("/"):
        return Path(source)
    return None


def _check_source(source: str) -> Path | None:
    folder = folder_feed(source)
    if folder is not None:
        if not folder.is_dir():
            raise DependencyError(f"the NuGet folder feed {source} does not exist", kind="unreachable", source=source)
        return folder
    if source.rstrip("/").endswith("index.json"):
        raise DependencyError(
            f"the NuGet source {source} is a v3 feed; the NuGet client here (Debian's nuget 2.8, on Mono) reads v2 "
            "feeds (such as https://www.nuget.org/api/v2/) and folder feeds: set c.StellaScript.nuget_source or "
            "STELLASCRIPT_NUGET_SOURCE to one", kind="unsupported", source=source)
    return None


def _tool_source(source: str) -> str:
    return FEED_IN_CONTAINER if folder_feed(source) is not None else source


# -- reading packages --------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_nuspec(nupkg: Path) -> tuple[str, str, dict[str, str]]:
    """A package's id, version and dependencies (id -> version range), from
    the .nuspec inside it."""
    with zipfile.ZipFile(nupkg) as archive:
        names = [n for n in archive.namelist() if n.endswith(".nuspec") and "/" not in n]
        if not names:
            raise DependencyError(f"{nupkg.name} has no .nuspec: not a NuGet package", package=nupkg.name)
        root = ElementTree.fromstring(archive.read(names[0]))
    metadata = next(child for child in root if _local(child.tag) == "metadata")
    fields = {_local(child.tag): (child.text or "").strip() for child in metadata}
    dependencies = {element.get("id", ""): element.get("version", "") for element in metadata.iter()
                    if _local(element.tag) == "dependency" and element.get("id")}
    return fields["id"], fields["version"], dependencies


def lock_file_text(packages: list[LockedPackage], sha512_base64: dict[str, str], requested_versions: dict[str, str],
                   ranges: dict[str, dict[str, str]]) -> str:
    """NuGet's packages.lock.json form: exact versions and content hashes."""
    entries = {}
    for package in sorted(packages, key=lambda p: p.name.lower()):
        entry: dict = {"type": "Direct" if package.requested else "Transitive"}
        if package.requested:
            wanted = requested_versions.get(package.name.lower(), "")
            entry["requested"] = f"[{wanted}]" if wanted else "*"
        entry["resolved"] = package.version
        entry["contentHash"] = sha512_base64[package.name]
        if ranges.get(package.name):
            entry["dependencies"] = ranges[package.name]
        entries[package.name] = entry
    return json.dumps({"version": 1, "dependencies": {TARGET_FRAMEWORK: entries}}, indent=2, sort_keys=True) + "\n"


def _nuget_failure(output: str, source: str, requirement: str) -> DependencyError:
    package_id = split_requirement(requirement)[0]
    missing_version = re.search(r"Unable to find version '([^']+)' of package '([^']+)'", output)
    missing_package = re.search(r"Unable to find package '([^']+)'", output)
    missing_dependency = re.search(r"Unable to resolve dependency '([^' ]+)(?: \(([^)]*)\))?'", output)
    if missing_version:
        return DependencyError(f"version {missing_version.group(1)} of package {missing_version.group(2)!r} "
                               f"was not found at {source}", kind="unknown_version",
                               package=missing_version.group(2), source=source)
    if missing_dependency:
        name = missing_dependency.group(1)
        return DependencyError(f"package {name!r} ({missing_dependency.group(2) or 'any version'}), which "
                               f"{package_id!r} depends on, was not found at {source}",
                               kind="unknown_package", package=name, source=source)
    if missing_package:
        return unknown_package(missing_package.group(1), source)
    return DependencyError(f"nuget could not resolve {requirement!r} from {source}:\n{output_tail(output)}",
                           package=package_id, source=source)


class CSharpResolver(Resolver):
    language = "csharp"
    ecosystem = "nuget"
    manager = "nuget"

    def requirements(self, source: str, declared: list[dict]) -> tuple[str, ...]:
        wanted = inline_requirements(source)
        wanted += [_requirement(d.name, d.version, d.origin) for d in runtime_dependencies(declared)]
        return merge(wanted) if wanted else ()

    @staticmethod
    def command(requirement: str, source: str) -> list[str]:
        package_id, version = split_requirement(requirement)
        argv = ["nuget", "install", package_id]
        if version:
            argv += ["-Version", version]
        return argv + ["-Source", _tool_source(source), "-OutputDirectory", "/out/packages", *NUGET_OPTIONS]

    def resolve(self, requirements: tuple[str, ...], context: ResolveContext) -> Lock:
        source = context.settings.source(self.ecosystem)
        feed = _check_source(source)
        mounts = [Mount(FEED_IN_CONTAINER, str(feed.resolve()), type="bind", read_only=True)] if feed else []
        with scratch("stellascript-nuget-") as workdir:
            self.announce(context, "NuGet package(s)", requirements, source)
            # One container for the set; each install stops the script at its
            # failure, and the marker line says which requirement failed.
            steps = [f"echo '>> {r}' && {shlex.join(self.command(r, source))} || exit 1" for r in requirements]
            script = "set -u\n" + "\n".join(steps) + "\nnuget help 2>/dev/null | head -n 1 > /out/nuget-version\n"
            run = run_tool(context, ["sh", "-c", script], mounts=mounts, workdir=workdir,
                           what="nuget (resolving C# dependencies)", source=source,
                           egress=context.settings.egress(self.ecosystem))
            if run.exit_code != 0:
                failed = re.findall(r"^>> (\S+)$", run.output, re.MULTILINE)
                raise _nuget_failure(run.output, source, failed[-1] if failed else requirements[0])
            version_file = workdir / "nuget-version"
            tool = version_file.read_text().strip() if version_file.is_file() else "nuget"
            return self._lock_from(workdir / "packages", requirements, source, tool)

    def _lock_from(self, folder: Path, requirements: tuple[str, ...], source: str, tool: str) -> Lock:
        found: dict[str, tuple[str, str, dict[str, str], Path]] = {}  # lower id -> id, version, dependencies, nupkg
        for nupkg in sorted(folder.glob("*/*.nupkg")):
            package_id, version, dependencies = read_nuspec(nupkg)
            previous = found.get(package_id.lower())
            if previous and previous[1] != version:
                raise DependencyError(f"conflicting versions of package {package_id!r} at {source}: the set needs "
                                      f"both {previous[1]} and {version}", kind="conflict", package=package_id, source=source)
            found[package_id.lower()] = (package_id, version, dependencies, nupkg)
        requested = {split_requirement(r)[0].lower(): split_requirement(r)[1] for r in requirements}
        missing = [r for r in requested if r not in found]
        if missing:
            raise DependencyError(f"nuget reported success but did not install {missing[0]!r} from {source}",
                                  package=missing[0], source=source)
        packages, sha512_base64, ranges = [], {}, {}
        for key, (package_id, version, dependencies, nupkg) in found.items():
            data = nupkg.read_bytes()
            sha512 = hashlib.sha512(data)
            sha512_base64[package_id] = base64.b64encode(sha512.digest()).decode()
            ranges[package_id] = {found[d.lower()][0]: r for d, r in dependencies.items() if d.lower() in found}
            packages.append(LockedPackage(
                name=package_id, version=version,
                hashes=(f"sha512:{sha512.hexdigest()}", f"sha256:{hashlib.sha256(data).hexdigest()}"),
                requested=key in requested,
                dependencies=tuple(found[d.lower()][0] for d in dependencies if d.lower() in found),
            ))
        packages.sort(key=lambda p: p.name.lower())
        commands = " && ".join(shlex.join(self.command(r, source)).replace(FEED_IN_CONTAINER, source) for r in requirements)
        return Lock(language=self.language, requested=requirements, packages=tuple(packages),
                    lock_file=lock_file_text(packages, sha512_base64, requested, ranges), source=source,
                    command=commands.replace("/out/packages", "packages"), tool=tool, runtime="mono")

    def build_files(self, lock: Lock, base_image: str, settings: DependencySettings) -> BuildFiles:
        source = settings.source(self.ecosystem)
        feed = _check_source(source)
        packages_config = "".join(
            ['<?xml version="1.0" encoding="utf-8"?>\n<packages>\n',
             *(f'  <package id="{p.name}" version="{p.version}" targetFramework="net472" />\n' for p in lock.packages),
             "</packages>\n"])
        checks = "".join(f"{_hash_of(p, 'sha512')}  {p.name}.{p.version}/{p.name}.{p.version}.nupkg\n" for p in lock.packages)
        expected = "".join(sorted(f"{p.name}.{p.version}\n" for p in lock.packages))
        restore = ["nuget", "install", f"{BUILD_DIR}/packages.config", "-Source", _tool_source(source),
                   "-OutputDirectory", f"{NUGET_ROOT}/packages", *NUGET_OPTIONS]
        dockerfile = (
            f"FROM {base_image} AS install\n"
            f"COPY build {BUILD_DIR}\n"
            + (f"COPY feed {FEED_IN_CONTAINER}\n" if feed else "")
            + f"RUN HOME=/tmp {shlex.join(restore)} && sh {BUILD_DIR}/place.sh\n"
            f"FROM {base_image}\n"
            f"COPY --from=install {NUGET_ROOT} {NUGET_ROOT}\n"
            f"COPY build/packages.lock.json {NUGET_ROOT}/packages.lock.json\n"
            f"ENV MONO_PATH={NUGET_LIB}\n"
        )
        files: dict[str, bytes | Path] = {
            "build/packages.config": packages_config.encode(),
            "build/packages.lock.json": lock.lock_file.encode(),
            "build/sha512sums": checks.encode(),
            "build/expected": expected.encode(),
            "build/place.sh": PLACE_SCRIPT.encode(),
        }
        if feed:
            files["feed"] = feed
        return BuildFiles(dockerfile=dockerfile, files=files)


def _hash_of(package: LockedPackage, algorithm: str) -> str:
    for value in package.hashes:
        if value.startswith(f"{algorithm}:"):
            return value.split(":", 1)[1]
    raise DependencyError(f"the lock has no {algorithm} for {package.name} {package.version}", package=package.name)


# Run in the build: exactly the locked packages, each matching its SHA-512,
# then each package's best lib/ folder into NUGET_LIB and a reference each.
PLACE_SCRIPT = f"""\
set -eu
cd {NUGET_ROOT}/packages
ls -1 | sort > /tmp/installed
if ! cmp -s /tmp/installed {BUILD_DIR}/expected; then
  echo "the restored NuGet packages are not exactly the locked ones:"; diff {BUILD_DIR}/expected /tmp/installed || true
  exit 1
fi
sha512sum --quiet -c {BUILD_DIR}/sha512sums || {{ echo "a NuGet package does not match its locked SHA-512"; exit 1; }}
mkdir -p {NUGET_LIB}
: > {NUGET_REFERENCES}
for package in */; do
  package=${{package%/}}
  [ -d "$package/lib" ] || continue
  chosen=""
  for framework in {' '.join(FRAMEWORK_PREFERENCE)}; do
    found=$(find "$package/lib" -mindepth 1 -maxdepth 1 -type d -iname "$framework" | head -n 1)
    if [ -n "$found" ]; then chosen=$found; break; fi
  done
  [ -n "$chosen" ] || chosen="$package/lib"
  for assembly in "$chosen"/*.dll; do
    [ -f "$assembly" ] || continue
    cp "$assembly" {NUGET_LIB}/
    echo "-r:{NUGET_LIB}/$(basename "$assembly")" >> {NUGET_REFERENCES}
  done
  echo "$package: $chosen"
done
"""

CSHARP = CSharpResolver()
