"""Bash: declared Debian packages, resolved and installed by apt.

A Bash script declares the commands it needs as Debian packages on its
registry record ([{name, version, scope}]; only scope "runtime" is
installed): ``{"name": "jq"}`` for the newest, ``{"name": "bc", "version":
"1.07.1-3+b1"}`` for exactly that one. (Bash has no inline convention for
packages, so none is invented here.)

The real apt resolves the set inside a container of the bash runtime image,
against the Debian mirror from the settings (``debian`` source,
``STELLASCRIPT_DEBIAN_SOURCE``; by default the mirror the images are built
from) and the image's own release: ``apt-get update`` into a private lists
folder, then ``apt-get install --simulate`` gives the exact version of every
package it would install (the requested ones and their dependencies), and
``apt-cache show`` their SHA-256 from the signed Packages index. A package
the mirror does not have is an error naming it before the script starts,
not a "command not found" halfway through it.

The lock is one ``name=version arch sha256:...`` line per package; the
derived image installs exactly those versions (``apt-get install
name=version ...``), after checking each downloaded ``.deb`` against the
lock. Debian's mirrors keep only the current version of each package in a
release: a lock naming a version since replaced there cannot be rebuilt from
it (a snapshot.debian.org URL as the source can).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from .base import (CA_IN_CONTAINER, BuildFiles, Declared, ResolveContext, Resolver, Wanted, build_ca_files,
                   merge_versions, output_tail, run_tool, runtime_dependencies, scratch, unknown_package)
from .models import DependencyError, DependencySettings, Lock, LockedPackage

LOCK_HEADER = "# Stella Script dependency lock (bash, Debian packages): name=version architecture sha256\n"
APT_DIR = "/tmp/stellascript-apt"  # in the resolving container (its /tmp is a private tmpfs)

# Debian policy 5.6.1 (package names) and 5.6.12 (versions).
_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
_VERSION = re.compile(r"^(?:\d+:)?[0-9][A-Za-z0-9.+~-]*$")
_ANY = ("", "*", "latest")
_INST = re.compile(r"^Inst (?P<name>\S+) (?:\[[^\]]*\] )?\((?P<version>\S+) [^\[]*\[(?P<arch>[^\]]+)\]\)", re.MULTILINE)
_LOCK_LINE = re.compile(r"^(?P<name>[a-z0-9][a-z0-9+.-]+)=(?P<version>\S+) (?P<arch>\S+)(?: sha256:(?P<sha256>[0-9a-f]{64}))?$")


def apt_options(ca_bundle: bool, root: str) -> list[str]:
    """apt working from a private sources list, lists and cache under
    ``root``: the image's own configuration and state are left alone, and
    no root privileges are needed to read an index."""
    options = [
        f"Dir::Etc::SourceList={root}/sources.list", "Dir::Etc::SourceParts=/nonexistent",
        f"Dir::State::Lists={root}/lists", f"Dir::Cache={root}/cache", "Acquire::Languages=none",
        "Debug::NoLocking=1", "APT::Install-Recommends=false",
    ]
    if ca_bundle:  # for an https mirror behind a TLS-intercepting proxy
        options.append(f"Acquire::https::CAInfo={CA_IN_CONTAINER}")
    return [part for option in options for part in ("-o", option)]


def _requirement(dependency: Declared) -> Wanted:
    name, version, origin = dependency.name, dependency.version, dependency.origin
    if not _NAME.match(name):
        raise DependencyError(f"{origin}: {name!r} is not a Debian package name", kind="malformed", package=name or None)
    if version in _ANY:
        return Wanted(name, "", origin)
    if not _VERSION.match(version):
        raise DependencyError(f"{origin}: {version!r} is not a Debian version of {name!r} (give an exact version, "
                              "as `apt-cache policy` shows it, or none for the newest)", kind="malformed", package=name)
    return Wanted(name, version, origin)


def parse_lock_file(text: str) -> list[tuple[str, str, str, str | None]]:
    """(name, version, architecture, sha256 or None) per locked package."""
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = _LOCK_LINE.match(line.strip())
        if not match:
            raise DependencyError(f"the Bash dependency lock has a malformed line: {line!r}", kind="malformed")
        entries.append((match["name"], match["version"], match["arch"], match["sha256"]))
    return entries


def archive_name(name: str, version: str, arch: str) -> str:
    """The name apt gives a downloaded .deb in its archives folder."""
    return f"{name}_{version.replace(':', '%3a')}_{arch}.deb"


def _stanzas(text: str) -> list[dict[str, str]]:
    """RFC 822-style stanzas (apt-cache show) as dicts of their fields."""
    stanzas = []
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if "Package" in fields:
            stanzas.append(fields)
    return stanzas


def _depends_names(fields: dict[str, str]) -> set[str]:
    text = ", ".join(fields.get(key, "") for key in ("Pre-Depends", "Depends"))
    return {re.split(r"[\s(:]", alternative.strip(), maxsplit=1)[0]
            for group in text.split(",") for alternative in group.split("|") if alternative.strip()}


def _apt_failure(output: str, source: str, requirements: tuple[str, ...]) -> DependencyError:
    if ">> update failed" in output:
        errors = [line.strip() for line in output.splitlines() if line.startswith(("E:", "Err:", "W:"))]
        return DependencyError(f"the Debian mirror {source} could not be read: {'; '.join(errors[:4]) or 'apt-get update failed'}",
                               kind="unreachable", source=source)
    missing = re.search(r"E: Unable to locate package (\S+)", output)
    no_candidate = re.search(r"E: Package '([^']+)' has no installation candidate", output)
    missing_version = re.search(r"E: Version '([^']+)' for '([^']+)' was not found", output)
    if missing_version:
        name = missing_version.group(2)
        return DependencyError(f"version {missing_version.group(1)} of package {name!r} was not found at {source}",
                               kind="unknown_version", package=name, source=source)
    if missing or no_candidate:
        name = (missing or no_candidate).group(1)
        return unknown_package(name, source)
    if "unmet dependencies" in output:
        causes = re.findall(r"^\s*(\S+) : ((?:Pre-)?Depends: .+|Conflicts: .+|Breaks: .+)$", output, re.MULTILINE)
        package = causes[0][0] if causes else None
        detail = "; ".join(f"{name}: {what.strip()}" for name, what in causes) or "see apt's output"
        return DependencyError(f"conflicting versions of package {package!r} at {source}: {detail}",
                               kind="conflict", package=package, source=source)
    return DependencyError(f"apt could not resolve {' '.join(requirements)} from {source}:\n{output_tail(output)}",
                           source=source)


class BashResolver(Resolver):
    language = "bash"
    ecosystem = "debian"
    manager = "apt"

    def requirements(self, source: str, declared: list[dict]) -> tuple[str, ...]:
        merged = merge_versions([_requirement(dependency) for dependency in runtime_dependencies(declared)])
        return tuple(sorted(f"{w.name}={w.version}" if w.version else w.name for w in merged))

    @staticmethod
    def _script(requirements: tuple[str, ...], source: str, ca_bundle: bool) -> str:
        options = shlex.join(apt_options(ca_bundle, APT_DIR))
        wanted = shlex.join(requirements)
        names = shlex.join(r.split("=", 1)[0] for r in requirements)
        script = f"""\
set -u
mkdir -p {APT_DIR}/lists/partial {APT_DIR}/cache/archives/partial
. /etc/os-release
echo "deb {source} $VERSION_CODENAME main" > {APT_DIR}/sources.list
echo "$VERSION_CODENAME" > /out/codename
apt-get {options} update || {{ echo ">> update failed"; exit 2; }}
apt-get {options} install --simulate -q {wanted} > /out/simulate.txt 2>&1
status=$?
cat /out/simulate.txt
[ $status -eq 0 ] || exit 3
# Exact versions of what would be installed, and of what asked for is already there.
sed -n 's/^Inst \\([^ ]*\\) \\(\\[[^]]*\\] \\)\\?(\\([^ ]*\\) .*/\\1=\\3/p' /out/simulate.txt > /out/selected
dpkg-query -W -f='${{Package}}=${{Version}}\\n' {names} >> /out/selected 2>/dev/null
: > /out/show.txt
while read -r selected; do
  apt-cache {options} show "$selected" >> /out/show.txt 2>/dev/null || true  # installed from elsewhere: no index entry
  echo >> /out/show.txt
done < /out/selected
apt-get --version | head -n 1 > /out/apt-version
"""
        return script

    def resolve(self, requirements: tuple[str, ...], context: ResolveContext) -> Lock:
        source = context.settings.source(self.ecosystem).rstrip("/")
        script = self._script(requirements, source, context.settings.ca_file is not None)
        with scratch("stellascript-apt-") as workdir:
            self.announce(context, "Debian package(s)", requirements, source)
            run = run_tool(context, ["sh", "-c", script], workdir=workdir, what="apt (resolving Bash dependencies)",
                           source=source, egress=context.settings.egress(self.ecosystem))
            if run.exit_code != 0:
                raise _apt_failure(run.output, source, requirements)
            simulated = (workdir / "simulate.txt").read_text()
            installed_requested = [line.split("=", 1) for line in (workdir / "selected").read_text().splitlines()
                                   if "=" in line]
            shown = _stanzas((workdir / "show.txt").read_text())
            codename = (workdir / "codename").read_text().strip()
            tool = (workdir / "apt-version").read_text().strip()
        command = shlex.join(["apt-get", "install", "--simulate", *requirements])
        return self._lock_from(requirements, simulated, installed_requested, shown, source, codename, tool, command)

    def _lock_from(self, requirements: tuple[str, ...], simulated: str, selected: list[list[str]],
                   shown: list[dict[str, str]], source: str, codename: str, tool: str, command: str) -> Lock:
        arch_of = {m["name"]: m["arch"] for m in _INST.finditer(simulated)}
        versions: dict[str, str] = {}
        for name, version in selected:  # what apt would install first, then what the image already has
            if version:
                versions.setdefault(name, version)
        index = {(s["Package"], s.get("Version")): s for s in shown}
        requested = {r.split("=", 1)[0] for r in requirements}
        locked = set(versions)
        packages, lines = [], [LOCK_HEADER, f"# source: {source} {codename} main\n"]
        for name in sorted(versions):
            version = versions[name]
            fields = index.get((name, version), {})
            arch = arch_of.get(name) or fields.get("Architecture") or "all"
            sha256 = fields.get("SHA256")
            if name in arch_of and not sha256:
                raise DependencyError(f"{source} gave no SHA-256 for {name} {version}: it cannot be locked",
                                      package=name, source=source)
            packages.append(LockedPackage(
                name=name, version=version, hashes=(f"sha256:{sha256}",) if sha256 else (),
                requested=name in requested, dependencies=tuple(sorted(_depends_names(fields) & locked - {name})),
            ))
            lines.append(f"{name}={version} {arch}" + (f" sha256:{sha256}" if sha256 else "") + "\n")
        return Lock(language=self.language, requested=requirements, packages=tuple(packages),
                    lock_file="".join(lines), source=source, command=command, tool=tool,
                    runtime=f"debian {codename}")

    def build_files(self, lock: Lock, base_image: str, settings: DependencySettings) -> BuildFiles:
        source = settings.source(self.ecosystem).rstrip("/")
        has_ca = settings.ca_file is not None
        entries = parse_lock_file(lock.lock_file)
        root = "/opt/stellascript/apt"
        options = apt_options(has_ca, root)
        if has_ca:
            options = [o.replace(CA_IN_CONTAINER, f"{root}/ca-bundle.crt") for o in options]
        pins = [f"{name}={version}" for name, version, _, _ in entries]
        sums = "".join(f"{sha256} {archive_name(name, version, arch)}\n" for name, version, arch, sha256 in entries if sha256)
        apt = shlex.join(["apt-get", *options])
        # Downloaded .debs must match the lock (apt checks them against the
        # index too); packages the base already has at that version are not downloaded.
        dockerfile = (
            f"FROM {base_image}\n"
            f"COPY build {root}\n"
            f"RUN set -e; mkdir -p {root}/lists/partial {root}/cache/archives/partial; . /etc/os-release; "
            f'echo "deb {source} $VERSION_CODENAME main" > {root}/sources.list; '
            f"{apt} update; "
            f"{apt} install -y --download-only {shlex.join(pins)}; "
            f"cd {root}/cache/archives; "
            f'while read -r sum file; do [ -f "$file" ] || continue; '
            f'echo "$sum  $file" | sha256sum --quiet -c - || {{ echo "$file does not match its locked SHA-256"; exit 1; }}; '
            f"done < {root}/sha256sums; "
            f"{apt} install -y {shlex.join(pins)}; "
            f"cd /; cp {root}/dependencies.lock /usr/local/share/stellascript-dependencies.lock; rm -rf {root}\n"
        )
        files: dict[str, bytes | Path] = {"build/sha256sums": sums.encode(), "build/dependencies.lock": lock.lock_file.encode(),
                                          **build_ca_files(settings)}
        return BuildFiles(dockerfile=dockerfile, files=files)


BASH = BashResolver()
