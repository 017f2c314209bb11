"""Python: PEP 723 inline metadata and declared dependencies, resolved by pip.

A script declares what it needs in its own file::

    # /// script
    # dependencies = ["attrs>=23", "six"]
    # ///

and/or on its registry record ([{name, version, scope}]; only scope
"runtime" is installed). Both are merged into one set (the same package with
incompatible versions is an error naming it). The real pip resolves the set
inside a container of the python runtime image (``pip install --dry-run
--report``), which gives exact versions and file hashes; the lock is a
requirements file of ``==`` pins with ``--hash`` lines, installed into the
derived image with ``--require-hashes --no-deps`` into
/opt/stellascript/site-packages, which is on PYTHONPATH.

pip itself comes from the host's Python environment (the one Stella Script
runs in): the runtime image stays as small as Debian's python3.

Only wheels are used unless the script opts in: ``python_wheels.py``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import shlex
import tomllib
from pathlib import Path

from docker.types import Mount
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .base import (BUILD_DIR, CA_IN_BUILD, CA_IN_CONTAINER, DECLARED, BuildFiles, Declared, ResolveContext, Resolver,
                   build_ca_files, line_with, output_tail, run_tool, runtime_dependencies, scratch,
                   unknown_package)
from .egress import not_allowed
from .models import DependencyError, DependencySettings, Lock, LockedPackage
from .pypi_index import REGISTRY, index_versions
from .python_wheels import ALLOW_SDIST, allows_sdist, format_options, no_wheel

# The reference implementation's regular expression (PEP 723, "Reference Implementation").
PEP723_REGEX = r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$"
_OPENING = re.compile(r"(?m)^# /// script[ \t]*$")

PIP_TOOL_DIR = "/opt/stellascript/pip-tool"
SITE_PACKAGES = "/opt/stellascript/site-packages"
REQUIRES_PYTHON = "requires-python "
INLINE = "the script's '# /// script' block"
LOCK_HEADER = "# Stella Script dependency lock (python); install with: pip install --require-hashes --no-deps -r <this file>\n"
PIP_OPTIONS = ["--no-cache-dir", "--disable-pip-version-check", "--no-input", "--progress-bar", "off"]



# -- reading what a script asks for ------------------------------------------------

def read_inline_metadata(source: str) -> dict | None:
    """The script's PEP 723 ``script`` block as a dict, or None without one.

    As the PEP's reference implementation, plus: an opening ``# /// script``
    line that no valid block follows is an error, not "no metadata"."""
    matches = [m for m in re.finditer(PEP723_REGEX, source) if m.group("type") == "script"]
    if len(matches) > 1:
        raise DependencyError(f"{INLINE}: the script has {len(matches)} '# /// script' blocks; PEP 723 allows one", kind="malformed")
    if not matches:
        opening = _OPENING.search(source)
        if opening:
            line = source.count("\n", 0, opening.start()) + 1
            raise DependencyError(
                f"{INLINE} opened on line {line} is malformed: every line up to a closing '# ///' must be "
                "'#' or start with '# ' (PEP 723)", kind="malformed")
        return None
    content = "".join(
        line[2:] if line.startswith("# ") else line[1:]
        for line in matches[0].group("content").splitlines(keepends=True)
    )
    try:
        return tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        raise DependencyError(f"{INLINE} is not valid TOML: {error}", kind="malformed") from None


def _parse(text: str, origin: str) -> Requirement:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        raise DependencyError(f"{origin}: {text!r} is not a valid requirement: {error}", kind="malformed", package=text) from None
    if requirement.url:
        raise DependencyError(f"{origin}: {text!r} points at a URL; only packages from the index can be locked",
                              kind="malformed", package=requirement.name)
    return requirement


def inline_requirements(source: str) -> tuple[list[Requirement], str | None]:
    metadata = read_inline_metadata(source)
    if metadata is None:
        return [], None
    dependencies = metadata.get("dependencies", [])
    if not isinstance(dependencies, list) or not all(isinstance(item, str) for item in dependencies):
        raise DependencyError(f"{INLINE}: 'dependencies' must be a list of strings", kind="malformed")
    requires_python = metadata.get("requires-python")
    if requires_python is not None:
        try:
            requires_python = str(SpecifierSet(str(requires_python)))
        except InvalidSpecifier:
            raise DependencyError(f"{INLINE}: requires-python {requires_python!r} is not a version specifier", kind="malformed") from None
    return [_parse(item, INLINE) for item in dependencies], requires_python


_PLAIN_VERSION = re.compile(r"^\d[\w.+!*-]*$")


def declared_requirement(dependency: Declared) -> Requirement:
    """A registry record's {name, version} as a pip requirement: an empty
    version or '*' means any; a bare version means exactly it; otherwise the
    version is a pip specifier (>=2, ~=1.4, ==1.2.*, <3,>=2)."""
    origin, name, version = dependency.origin, dependency.name, dependency.version
    if version in ("", "*", "latest"):
        text = name
    elif _PLAIN_VERSION.match(version):
        text = f"{name}=={version}"
    else:
        text = f"{name}{version}"
    if not version or version in ("*", "latest"):
        return _parse(text, origin)
    try:
        return Requirement(text)
    except InvalidRequirement:
        raise DependencyError(
            f"{origin}: version {version!r} of {name!r} is not a pip version specifier "
            "(e.g. 1.2.3, ==1.2.3, >=1.2, ~=1.4)", kind="malformed", package=name) from None


def _pins(specifier: SpecifierSet) -> set[Version]:
    pins = set()
    for item in specifier:
        if item.operator in ("==", "===") and "*" not in item.version:
            try:
                pins.add(Version(item.version))
            except InvalidVersion:
                continue
    return pins


def merge(requirements: list[tuple[Requirement, str]]) -> list[Requirement]:
    """One requirement per package; incompatible versions are an error naming it.

    Not ``base.merge_versions``: PEP 508 requirements are specifiers, not
    versions, so two different ones may agree (">=2" and "<3" intersect)
    and are combined; markers make two entries for one package, and extras
    add up. Only specifiers no version can satisfy together conflict."""
    merged: dict[tuple[str, str], tuple[Requirement, list[str]]] = {}
    for requirement, origin in requirements:
        name = canonicalize_name(requirement.name)
        marker = str(requirement.marker) if requirement.marker else ""
        key = (name, marker)
        description = f"{requirement.specifier or 'any version'} ({origin})"
        if key not in merged:
            combined = Requirement(str(requirement))
            combined.name = name
            merged[key] = (combined, [description])
            continue
        combined, seen = merged[key]
        combined.extras |= requirement.extras
        combined.specifier &= requirement.specifier
        seen.append(description)
        pins = _pins(combined.specifier)
        if len(pins) > 1 or any(not combined.specifier.contains(pin, prereleases=True) for pin in pins):
            raise DependencyError(f"conflicting versions of package {name!r}: {' and '.join(seen)}",
                                  kind="conflict", package=name)
    return [combined for combined, _ in merged.values()]


def normalized(requirement: Requirement) -> str:
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    specifier = ",".join(sorted(str(s) for s in requirement.specifier))
    marker = f"; {requirement.marker}" if requirement.marker else ""
    return f"{canonicalize_name(requirement.name)}{extras}{specifier}{marker}"


# -- pip --------------------------------------------------------------------------------

def pip_tool() -> tuple[Path, str]:
    """The host's pip package folder and version (mounted into containers)."""
    spec = importlib.util.find_spec("pip")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError("pip is not installed in Stella Script's own Python environment; "
                              "it is needed to resolve Python dependencies", kind="unsupported")
    return Path(list(spec.submodule_search_locations)[0]), importlib.metadata.version("pip")


def _pip_failure(output: str, source: str) -> DependencyError:
    """A clear error, naming the package and the source, from pip's output."""
    not_found = re.search(r"Could not find a version that satisfies the requirement (\S+) \(from versions: ([^)]*)\)", output)
    unreachable = re.search(r"(NewConnectionError|Failed to establish a new connection|Could not fetch URL|"
                            r"Max retries exceeded|SSLError|CERTIFICATE_VERIFY_FAILED|Name or service not known|"
                            r"Connection refused|Temporary failure in name resolution)", output)
    if not_found:
        text, versions = not_found.group(1), not_found.group(2).strip()
        try:
            requirement = Requirement(text)
            name, specifier = canonicalize_name(requirement.name), str(requirement.specifier)
        except InvalidRequirement:
            name, specifier = text, ""
        if versions == "none":
            if unreachable:
                return DependencyError(f"{REGISTRY} {source} could not be reached while looking for "
                                       f"package {name!r}: {line_with(output, unreachable.group(1))}",
                                       kind="unreachable", package=name, source=source)
            return unknown_package(name, source, " (no release of it there installs on this runtime)")
        available = [v.strip() for v in versions.split(",")]
        shown = ", ".join(available[-10:])
        return DependencyError(f"no version of package {name!r} matches {specifier or text!r} at {source} "
                               f"(available: {'..., ' if len(available) > 10 else ''}{shown})",
                               kind="unknown_version", package=name, source=source)
    if "ResolutionImpossible" in output or "conflicting dependencies" in output:
        cannot = re.search(r"Cannot install (.+?) because these package versions have conflicting dependencies", output)
        causes = re.findall(r"^\s+(.+ (?:requested|depends on) .+)$", output, re.MULTILINE)
        names = []
        for cause in causes:
            match = re.search(r"(?:requested|depends on) ([A-Za-z0-9][A-Za-z0-9._-]*)", cause)
            if match and canonicalize_name(match.group(1)) not in names:
                names.append(canonicalize_name(match.group(1)))
        package = names[0] if names else None
        detail = "; ".join(c.strip() for c in causes) or (cannot.group(1) if cannot else "see pip's output")
        return DependencyError(f"conflicting versions of package {package!r} at {source}: {detail}",
                               kind="conflict", package=package, source=source)
    if unreachable:
        return DependencyError(f"{REGISTRY} {source} could not be reached: {line_with(output, unreachable.group(1))}",
                               kind="unreachable", source=source)
    return DependencyError(f"pip could not resolve the dependencies from {source}:\n{output_tail(output)}", source=source)


def lock_file_text(packages: list[LockedPackage]) -> str:
    lines = [LOCK_HEADER]
    for package in sorted(packages, key=lambda p: p.name):
        hashes = "".join(f" \\\n    --hash={h}" for h in package.hashes)
        lines.append(f"{package.name}=={package.version}{hashes}\n")
    return "".join(lines)


def _dependencies_of(metadata: dict, environment: dict, locked: set[str]) -> tuple[str, ...]:
    names = []
    for text in metadata.get("requires_dist", []) or []:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        name = canonicalize_name(requirement.name)
        try:
            applies = requirement.marker is None or requirement.marker.evaluate({**environment, "extra": ""})
        except Exception:  # a marker pip understood but packaging cannot evaluate here
            applies = True
        if applies and name in locked and name not in names:
            names.append(name)
    return tuple(sorted(names))


class PythonResolver(Resolver):
    language = "python"
    ecosystem = "pypi"
    manager = "pip"

    def requirements(self, source: str, declared: list[dict]) -> tuple[str, ...]:
        inline, requires_python = inline_requirements(source)
        wanted = [(requirement, INLINE) for requirement in inline]
        wanted += [(declared_requirement(dependency), DECLARED) for dependency in runtime_dependencies(declared)]
        if not wanted:
            return ()
        entries = sorted({normalized(requirement) for requirement in merge(wanted)})
        if requires_python:
            entries.append(REQUIRES_PYTHON + requires_python)
        if allows_sdist(read_inline_metadata(source), INLINE):
            entries.append(ALLOW_SDIST)
        return tuple(entries)

    @staticmethod
    def command(source: str, settings: DependencySettings, requirements: tuple[str, ...] = ()) -> list[str]:
        argv = ["python3", "-m", "pip", "install", "--dry-run", "--ignore-installed", "--target", "/tmp/target",
                "--report", "/out/report.json", *PIP_OPTIONS, *format_options(requirements),
                "--timeout", "30", "--retries", "2", "--index-url", source]
        if settings.ca_file:
            argv += ["--cert", CA_IN_CONTAINER]
        return argv + ["-r", "/out/requirements.in"]

    def resolve(self, requirements: tuple[str, ...], context: ResolveContext) -> Lock:
        source = context.settings.source(self.ecosystem)
        packages_wanted = [r for r in requirements if not r.startswith(REQUIRES_PYTHON) and r != ALLOW_SDIST]
        requires_python = next((r[len(REQUIRES_PYTHON):] for r in requirements if r.startswith(REQUIRES_PYTHON)), None)
        pip_dir, pip_version = pip_tool()
        argv = self.command(source, context.settings, requirements)
        with scratch("stellascript-resolve-") as workdir:
            (workdir / "requirements.in").write_text("".join(f"{r}\n" for r in packages_wanted))
            self.announce(context, "Python requirement(s)", packages_wanted, source, tool=f"pip {pip_version}")
            run = run_tool(
                context, argv,
                environment={"PYTHONPATH": PIP_TOOL_DIR, "PIP_CONFIG_FILE": "/dev/null"},
                mounts=[Mount(f"{PIP_TOOL_DIR}/pip", str(pip_dir), type="bind", read_only=True)],
                workdir=workdir, what="pip (resolving Python dependencies)", source=source,
                egress=context.settings.egress(self.ecosystem),
            )
            report_path = workdir / "report.json"
            if run.exit_code != 0 or not report_path.is_file():
                if run.denied:
                    raise not_allowed(run.denied, source, REGISTRY)
                failure = _pip_failure(run.output, source)
                if ALLOW_SDIST not in requirements:
                    failure = no_wheel(failure, packages_wanted, context.settings, source) or failure
                raise failure
            report = json.loads(report_path.read_text())
        return self._lock_from(report, packages_wanted, requirements, source, argv, pip_version, requires_python)

    def _lock_from(self, report: dict, wanted: list[str], requirements: tuple[str, ...], source: str,
                   argv: list[str], pip_version: str, requires_python: str | None) -> Lock:
        environment = report.get("environment", {})
        python_version = environment.get("python_full_version", "")
        if requires_python and python_version and not SpecifierSet(requires_python).contains(python_version, prereleases=True):
            raise DependencyError(f"{INLINE} requires Python {requires_python}, but the runtime image has Python {python_version}",
                                  kind="unsupported")
        wanted_names = {canonicalize_name(Requirement(r).name) for r in wanted}
        items = report.get("install", [])
        locked_names = {canonicalize_name(item["metadata"]["name"]) for item in items}
        packages = []
        for item in items:
            metadata = item["metadata"]
            name = canonicalize_name(metadata["name"])
            hashes = (item.get("download_info", {}).get("archive_info") or {}).get("hashes") or {}
            if "sha256" not in hashes:
                raise DependencyError(f"{source} gave no SHA-256 for {name} {metadata['version']}: it cannot be locked",
                                      package=name, source=source)
            packages.append(LockedPackage(
                name=name, version=metadata["version"], hashes=(f"sha256:{hashes['sha256']}",),
                requested=bool(item.get("requested")) or name in wanted_names,
                dependencies=_dependencies_of(metadata, environment, locked_names),
            ))
        packages.sort(key=lambda p: p.name)
        return Lock(
            language=self.language, requested=requirements, packages=tuple(packages),
            lock_file=lock_file_text(packages), source=source,
            command=shlex.join(["pip", *argv[3:]]), tool=f"pip {report.get('pip_version', pip_version)}",
            runtime=f"python {python_version}" if python_version else "",
        )

    def build_files(self, lock: Lock, base_image: str, settings: DependencySettings) -> BuildFiles:
        source = settings.source(self.ecosystem)
        pip_dir, _ = pip_tool()
        install = ["python3", "-m", "pip", "install", "--require-hashes", "--no-deps", "--target", SITE_PACKAGES,
                   *PIP_OPTIONS, *format_options(lock.requested), "--index-url", source]
        if settings.ca_file:
            install += ["--cert", CA_IN_BUILD]
        install += ["-r", f"{BUILD_DIR}/requirements.lock"]
        dockerfile = (
            f"FROM {base_image} AS install\n"
            f"COPY pip-tool {PIP_TOOL_DIR}\n"
            f"COPY build {BUILD_DIR}\n"
            f"RUN PYTHONPATH={PIP_TOOL_DIR} PIP_CONFIG_FILE=/dev/null {shlex.join(install)}\n"
            f"FROM {base_image}\n"
            f"COPY --from=install {SITE_PACKAGES} {SITE_PACKAGES}\n"
            "COPY build/requirements.lock /opt/stellascript/requirements.lock\n"
            f"ENV PYTHONPATH={SITE_PACKAGES}\n"
        )
        files: dict[str, bytes | Path] = {"pip-tool/pip": pip_dir, "build/requirements.lock": lock.lock_file.encode(),
                                          **build_ca_files(settings)}
        return BuildFiles(dockerfile=dockerfile, files=files)

    # -- search ----------------------------------------------------------------------

    def search(self, query: str, settings: DependencySettings) -> list[dict]:
        """PyPI has no full-text search (its XML-RPC search is gone), so this
        looks the name up exactly in the index's simple API (PEP 691 JSON, or
        PEP 503 HTML for plain indexes)."""
        return index_versions(query, settings, settings.source(self.ecosystem))


PYTHON = PythonResolver()
