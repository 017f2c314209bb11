"""Go: the modules a script imports (and declared versions), resolved by the go
command through GOPROXY and checked against GOSUMDB.

A script asks for modules by importing their packages (``import
"github.com/google/uuid"``): every import path whose first element has a dot
is not the standard library (Go's own rule). Its registry record may pin
versions: [{name: module path, version: "v1.2.3"}] (only scope "runtime";
"" or "latest" for the newest). An import nobody pinned takes the newest
release at the first resolution; the lock saved with the script version
pins it from then on.

The real go command of the go runtime image resolves the set in a container
of that image (``go mod init``, ``go get``), with GOPROXY and GOSUMDB from
the settings: the lock is the resulting go.mod and go.sum (every module of
the build at an exact version with its h1: hashes), kept together in Go's
txtar format. A derived image downloads exactly those modules (verified
against that go.sum) into a read-only module cache, pre-compiles them into
the image's Go build cache, and puts go.mod/go.sum at the file system root,
the module root every compile in /scripts finds by walking up; compiles run
offline (GOPROXY=off, -mod=readonly) against the locked versions.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from .base import (BUILD_DIR, CA_IN_BUILD, CA_IN_CONTAINER, BuildFiles, Declared, ResolveContext, Resolver, Wanted,
                   build_ca_files, merge_versions, run_tool, runtime_dependencies, scratch)
from .models import DependencyError, DependencySettings, Lock, LockedPackage

INLINE = "the script's imports"
MODULE_NAME = "stellascript/script"
MODULE_CACHE = "/opt/stellascript/gomodcache"
BUILD_CACHE_SEED = "/opt/stellascript/gocache"  # the go runtime image's STELLASCRIPT_GOCACHE_SEED
RESOLVE_PROGRAM = "stellascript_imports.go"
IMPORT = "import "  # marks a requirement that is an import path, not a module

_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_LINE_COMMENT = re.compile(r"//[^\n]*")
_STRING = r"""(?:"([^"\n]*)"|`([^`\n]*)`)"""
_IMPORT_SPEC = re.compile(rf"""^\s*(?:[\w.]+\s+)?{_STRING}\s*;?\s*$""")
_SINGLE_IMPORT = re.compile(rf"""(?m)^\s*import\s+(?:[\w.]+\s+)?{_STRING}""")
_IMPORT_BLOCK = re.compile(r"(?ms)^\s*import\s*\((.*?)\)")
# Module paths (golang.org/x/mod/module.CheckPath, simplified): a first
# element with a dot, then path elements of letters, digits and -._~.
_MODULE_PATH = re.compile(r"^[a-z0-9][a-z0-9.-]*\.[a-z0-9.-]+(?:/[A-Za-z0-9._~+-]+)*$")
# A Go module version: a semantic version with a leading v (pseudo-versions
# included), or a query the go command accepts (latest, a branch-free prefix).
_VERSION = re.compile(r"^v\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?(?:\+incompatible)?$")


# -- reading what a script asks for ------------------------------------------------

def is_standard_library(path: str) -> bool:
    """Go's rule: only non-standard import paths have a dot in their first element."""
    return "." not in path.split("/", 1)[0]


def imported_paths(source: str) -> list[str]:
    """The script's non-standard import paths, in order of first appearance."""
    text = _LINE_COMMENT.sub("", _BLOCK_COMMENT.sub("", source))
    specs = [m.group(1) if m.group(1) is not None else m.group(2) for m in _SINGLE_IMPORT.finditer(text)]
    for block in _IMPORT_BLOCK.finditer(text):
        for line in block.group(1).splitlines():
            match = _IMPORT_SPEC.match(line)
            if match:
                specs.append(match.group(1) if match.group(1) is not None else match.group(2))
    found: list[str] = []
    for path in specs:
        if path == "C" or is_standard_library(path) or path in found:
            continue
        if not _MODULE_PATH.match(path):
            raise DependencyError(f"{INLINE}: {path!r} is not a valid Go import path", kind="malformed", package=path)
        found.append(path)
    return found


def declared_module(dependency: Declared) -> Wanted:
    """A registry record's {name, version} as a module path and its version (or "")."""
    name, version, origin = dependency.name, dependency.version, dependency.origin
    if not version and "@" in name:  # "module@version", as go get takes it (and `stellascript run --dep`)
        name, _, version = name.partition("@")
    if not _MODULE_PATH.match(name):
        raise DependencyError(f"{origin}: {name!r} is not a Go module path (e.g. github.com/google/uuid)",
                              kind="malformed", package=name or None)
    if version in ("*", "latest"):
        version = ""
    if version and re.match(r"^\d", version):
        version = "v" + version  # Go versions carry a v; 1.6.0 means v1.6.0
    if version and not _VERSION.match(version):
        raise DependencyError(f"{origin}: version {version!r} of {name!r} is not a Go module version "
                              "(e.g. v1.6.0)", kind="malformed", package=name)
    return Wanted(name, version, origin)


def split_requirement(requirement: str) -> tuple[str, str]:
    name, _, version = requirement.partition("@")
    return name, version


def _covers(module: str, path: str) -> bool:
    return path == module or path.startswith(module + "/")


# -- the lock: go.mod and go.sum in one txtar archive ---------------------------------

def lock_file_text(go_mod: str, go_sum: str) -> str:
    return f"-- go.mod --\n{go_mod.rstrip()}\n-- go.sum --\n{go_sum.rstrip()}\n"


def lock_files(lock_text: str) -> dict[str, str]:
    """The files of a txtar archive ({'go.mod': ..., 'go.sum': ...})."""
    files: dict[str, str] = {}
    name = None
    for line in lock_text.splitlines(keepends=True):
        header = re.match(r"^-- (.+) --\n?$", line)
        if header:
            name = header.group(1)
            files[name] = ""
        elif name is not None:
            files[name] += line
    return files


def go_sum_hashes(go_sum: str) -> dict[tuple[str, str], list[str]]:
    """(module, version) -> ["h1:..." of its files, "go.mod h1:..." of its go.mod]."""
    hashes: dict[tuple[str, str], list[str]] = {}
    for line in go_sum.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        module, version, digest = parts
        if version.endswith("/go.mod"):
            hashes.setdefault((module, version.removesuffix("/go.mod")), []).append(f"go.mod {digest}")
        else:
            hashes.setdefault((module, version), []).insert(0, digest)
    return hashes


# -- the go command -----------------------------------------------------------------------

_NOISE = ("go: creating new go.mod", "go: to add module requirements", "go: downloading", "go: added", "go: upgraded")
# What proxies answer for what they do not have: proxy.golang.org says 404 or
# 410; egress proxies in front of it may say 403.
_MISSING = r"(?:403 Forbidden|404 Not Found|410 Gone)"


def _go_failure(output: str, source: str) -> DependencyError:
    """A clear error, naming the module and the source, from the go command's output."""
    lines = [line.strip() for line in output.splitlines()
             if line.strip().startswith(("go: ", "server response:")) and not line.strip().startswith(_NOISE)]
    text = "\n".join(lines) or output.strip()
    detail = text[-1500:]
    toolchain = re.search(r"(\S+?)@(\S+) requires go >= (\S+) \(running go ([^;)\s]+)", text)
    if toolchain:
        module, version, needed, running = toolchain.groups()
        return DependencyError(f"module {module!r} {version} from {source} needs Go {needed}, but the go runtime "
                               f"image has Go {running}: declare an older version of it", kind="unknown_version",
                               package=module, source=source)
    unknown_version = re.search(rf"go: (\S+?)@(v\S+): (?:reading \S+/@v/\S+: {_MISSING}|invalid version|"
                                r"no matching versions for query)", text)
    if unknown_version:
        module, version = unknown_version.groups()
        return DependencyError(f"version {version} of module {module!r} was not found at {source}:\n{detail}",
                               kind="unknown_version", package=module, source=source)
    unknown_module = re.search(rf"go: (?:module )?(\S+?)(?:@\S+)?: reading \S+/@v/list: {_MISSING}", text) or \
        re.search(r"go: (?:module )?(\S+?)(?:@\S+)?: (?:unrecognized import path|no matching versions for query \"latest\")", text) or \
        re.search(r"does not contain package (\S+)", text) or \
        re.search(r"no required module provides package (\S+?);", text)
    if unknown_module:
        path = unknown_module.group(1)
        return DependencyError(f"module or package {path!r} was not found at {source}:\n{detail}",
                               kind="unknown_package", package=path, source=source)
    if re.search(r"dial tcp|no such host|x509: |connection refused|i/o timeout|TLS handshake", text):
        return DependencyError(f"the Go module proxy {source} could not be reached:\n{detail}",
                               kind="unreachable", source=source)
    mismatch = re.search(r"verifying (\S+?)@(\S+?)(?:/go\.mod)?: ", text)
    if mismatch:
        return DependencyError(f"module {mismatch.group(1)} {mismatch.group(2)} from {source} failed checksum "
                               f"verification:\n{detail}", package=mismatch.group(1), source=source)
    return DependencyError(f"the go command could not resolve the modules from {source}:\n{detail}", source=source)


class GoResolver(Resolver):
    language = "go"
    ecosystem = "goproxy"
    manager = "go"

    def requirements(self, source: str, declared: list[dict]) -> tuple[str, ...]:
        """``module@version`` per declared module (``@latest`` when no version
        is given) and ``import path`` per non-standard import."""
        pinned = merge_versions([declared_module(dependency) for dependency in runtime_dependencies(declared)],
                                noun="module")
        entries = [f"{module.name}@{module.version or 'latest'}" for module in pinned]
        entries += [f"{IMPORT}{path}" for path in imported_paths(source)]
        return tuple(sorted(entries))

    @staticmethod
    def go_get_arguments(requirements: tuple[str, ...]) -> list[str]:
        """Declared modules at their versions, and the imports no declared
        module provides (at their newest release): asking for a package of a
        declared module too would ask for two versions of it."""
        declared = [r for r in requirements if not r.startswith(IMPORT)]
        modules = [r.partition("@")[0] for r in declared]
        imports = [r.removeprefix(IMPORT) for r in requirements if r.startswith(IMPORT)]
        return declared + [path for path in imports if not any(_covers(module, path) for module in modules)]

    @staticmethod
    def environment(settings: DependencySettings) -> dict[str, str]:
        environment = {
            "GOPROXY": settings.source("goproxy"), "GOSUMDB": settings.source("gosumdb"), "GOFLAGS": "-mod=mod",
            "GOPATH": "/tmp/gopath", "GOMODCACHE": "/tmp/gomodcache", "GOCACHE": "/tmp/gocache",
            "GOTOOLCHAIN": "local", "GONOSUMDB": "", "GONOPROXY": "", "GOPRIVATE": "", "GOINSECURE": "",
        }
        if settings.ca_file:
            environment["SSL_CERT_FILE"] = CA_IN_CONTAINER  # the go command trusts what it names
        return environment

    @staticmethod
    def program(requirements: tuple[str, ...]) -> str:
        """A main package importing every package the script imports: what
        the go command resolves (the script itself is not needed)."""
        paths = [r.removeprefix(IMPORT) for r in requirements if r.startswith(IMPORT)]
        imports = "".join(f'\t_ "{path}"\n' for path in sorted(set(paths)))
        return f"package main\n\nimport (\n{imports})\n\nfunc main() {{}}\n" if imports else "package main\n\nfunc main() {}\n"

    def resolve(self, requirements: tuple[str, ...], context: ResolveContext) -> Lock:
        settings = context.settings
        source = settings.source(self.ecosystem)
        wanted = self.go_get_arguments(requirements)
        get = ["go", "get", *wanted]
        script = " && ".join([
            "go version", f"go mod init {MODULE_NAME}", shlex.join(get),
            # Every package the script imports loads from go.mod and go.sum alone.
            "go list -mod=readonly -deps . >/dev/null",
            "go list -mod=readonly -m -json all > /out/modules.json", "go mod graph > /out/graph.txt",
        ])
        with scratch("stellascript-resolve-") as workdir:
            (workdir / RESOLVE_PROGRAM).write_text(self.program(requirements))
            self.announce(context, "Go module requirement(s)", wanted, source, tool="the go command")
            run = run_tool(context, ["/bin/sh", "-c", script], environment=self.environment(settings), workdir=workdir,
                           what="go (resolving Go modules)", source=source, egress=settings.egress("goproxy", "gosumdb"))
            if run.exit_code != 0 or not (workdir / "graph.txt").is_file():
                raise _go_failure(run.output, source)
            go_mod, go_sum = (workdir / "go.mod").read_text(), (workdir / "go.sum").read_text()
            modules_json = (workdir / "modules.json").read_text()
            graph = (workdir / "graph.txt").read_text()
        go_version = re.search(r"^go version go(\S+)", run.output, re.MULTILINE)
        packages = self._packages(modules_json, graph, go_sum, requirements)
        return Lock(
            language=self.language, requested=requirements, packages=tuple(packages),
            lock_file=lock_file_text(go_mod, go_sum), source=source,
            command=f"GOPROXY={source} GOSUMDB={settings.source('gosumdb')} {shlex.join(get)}",
            tool=f"go {go_version.group(1)}" if go_version else "go", runtime=f"go {go_version.group(1)}" if go_version else "",
        )

    @staticmethod
    def _packages(modules_json: str, graph: str, go_sum: str, requirements: tuple[str, ...]) -> list[LockedPackage]:
        decoder = json.JSONDecoder()
        modules, position, text = [], 0, modules_json.strip()
        while position < len(text):
            module, position = decoder.raw_decode(text, position)
            modules.append(module)
            while position < len(text) and text[position].isspace():
                position += 1
        selected = {m["Path"]: m.get("Version", "") for m in modules if not m.get("Main")}
        edges: dict[str, set[str]] = {}
        for line in graph.splitlines():
            parts = line.split()
            if len(parts) != 2:
                continue
            source_module, _, source_version = parts[0].partition("@")
            target = parts[1].partition("@")[0]
            if selected.get(source_module) == source_version and target in selected:
                edges.setdefault(source_module, set()).add(target)
        # Asked for: a declared module, or the module providing an import
        # (the longest module path that covers it).
        asked = {r.partition("@")[0] for r in requirements if not r.startswith(IMPORT)}
        for path in (r.removeprefix(IMPORT) for r in requirements if r.startswith(IMPORT)):
            providers = [module for module in selected if _covers(module, path)]
            if providers:
                asked.add(max(providers, key=len))
        hashes = go_sum_hashes(go_sum)
        # Modules of the graph that the build does not need have no go.sum
        # entry (graph pruning): they are not part of the lock.
        locked = {path for path, version in selected.items() if hashes.get((path, version))}
        packages = []
        for path, version in sorted(selected.items()):
            if path not in locked:
                continue
            digests = hashes[(path, version)]
            packages.append(LockedPackage(
                name=path, version=version, hashes=tuple(digests),
                requested=path in asked,
                dependencies=tuple(sorted(edges.get(path, set()) & locked)),
            ))
        return packages

    def build_files(self, lock: Lock, base_image: str, settings: DependencySettings) -> BuildFiles:
        files_of_lock = lock_files(lock.lock_file)
        environment = {**self.environment(settings), "GOMODCACHE": MODULE_CACHE, "GOFLAGS": "-mod=readonly -trimpath",
                       "GOCACHE": BUILD_CACHE_SEED}
        if "SSL_CERT_FILE" in environment:
            environment["SSL_CERT_FILE"] = CA_IN_BUILD
        assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in environment.items())
        dockerfile = (
            f"FROM {base_image}\n"
            f"COPY build {BUILD_DIR}\n"
            # Download exactly the locked modules (verified against the
            # locked go.sum), then compile them once into the build cache
            # every compile starts from; no layer keeps the CA or the sources.
            f"RUN cd {BUILD_DIR} && {assignments} go mod download"
            f" && {assignments} go build -o /dev/null ."
            f" && cp go.mod go.sum / && cd / && rm -rf {BUILD_DIR} /tmp/gopath"
            f" && chmod -R a+rX {MODULE_CACHE} {BUILD_CACHE_SEED}\n"
            f"ENV GOMODCACHE={MODULE_CACHE} GOFLAGS=\"-mod=readonly -trimpath\" GOPROXY=off GOSUMDB=off\n"
        )
        files: dict[str, bytes | Path] = {
            "build/go.mod": files_of_lock.get("go.mod", "").encode(),
            "build/go.sum": files_of_lock.get("go.sum", "").encode(),
            f"build/{RESOLVE_PROGRAM}": self.program(lock.requested).encode(),
            **build_ca_files(settings),
        }
        return BuildFiles(dockerfile=dockerfile, files=files)


GO = GoResolver()
