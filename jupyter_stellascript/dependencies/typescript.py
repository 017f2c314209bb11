"""TypeScript: declared dependencies and bare imports, resolved by npm.

A script asks for packages in two ways:

- on its registry record ([{name, version, scope}]; only scope "runtime" is
  installed), the version being an npm range ("1.2.3", "^4", "~2.1", "" or
  "latest" for the newest release);
- by importing them: ``import x from "pkg"``, ``import "pkg/sub"``,
  ``export * from "@scope/pkg"``, ``require("pkg")``, ``import("pkg")``.
  Relative paths, Node.js built-ins and ``node:`` modules are not packages.
  An import nobody declared takes the newest release at the first
  resolution; the lock saved with the script version pins it from then on.

The real npm (shipped in the typescript runtime image) resolves the set in a
container of that image (``npm install --package-lock-only``): the lock is
npm's own package-lock.json, with every package, transitive ones included,
at an exact version with its registry integrity hash. A derived image
installs exactly that lock with ``npm ci`` into /node_modules, where both
Node.js (running /scripts/.build/<script>.js) and tsc (checking
/scripts/<script>.ts) find packages by walking up from the script.

Types: tsc reads the declarations a package ships (its "types"/"typings", or
an ``@types/<name>`` package declared alongside, which module resolution
finds in /node_modules/@types). A package without any is not an error: tsc
runs without --strict/--noImplicitAny (languages/typescript.py), so such an
import is ``any``, exactly as in a plain tsc project; making it an error
would refuse working JavaScript packages for want of typings.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import quote

import requests

from .base import (BUILD_DIR, CA_IN_BUILD, CA_IN_CONTAINER, BuildFiles, Declared, ResolveContext, Resolver, Wanted,
                   build_ca_files, http_get, merge_versions, output_tail, run_tool, runtime_dependencies, scratch,
                   unknown_package)
from .models import DependencyError, DependencySettings, Lock, LockedPackage

INLINE = "the script's imports"
REGISTRY = "the npm registry"  # in messages: "the npm registry <source> could not be reached"
MANIFEST_NAME = "stellascript-script"
# Where the derived image keeps the manifest and lock it installed (for
# people inspecting an image); the packages themselves are in /node_modules.
LOCK_DIR = "/opt/stellascript/dependencies"
NODE_MODULES = "/node_modules"
# Packages' install scripts are not run: they would execute package code with
# network access while resolving and building, and native addons need a
# compiler the runtime image does not have anyway.
NPM_OPTIONS = ["--ignore-scripts", "--no-audit", "--no-fund", "--no-update-notifier", "--loglevel", "notice"]
NPM_ENVIRONMENT = {"npm_config_cache": "/tmp/npm-cache", "npm_config_userconfig": "/tmp/no-user-npmrc",
                   "npm_config_globalconfig": "/tmp/no-global-npmrc", "NO_UPDATE_NOTIFIER": "1"}

# Node.js 20's require('module').builtinModules (those importable without "node:").
NODE_BUILTINS = frozenset(["_http_agent", "_http_client", "_http_common", "_http_incoming", "_http_outgoing", "_http_server", "_stream_duplex", "_stream_passthrough", "_stream_readable", "_stream_transform", "_stream_wrap", "_stream_writable", "_tls_common", "_tls_wrap", "assert", "assert/strict", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram", "diagnostics_channel", "dns", "dns/promises", "domain", "events", "fs", "fs/promises", "http", "http2", "https", "inspector", "inspector/promises", "module", "net", "os", "path", "path/posix", "path/win32", "perf_hooks", "process", "punycode", "querystring", "readline", "readline/promises", "repl", "stream", "stream/consumers", "stream/promises", "stream/web", "string_decoder", "sys", "timers", "timers/promises", "tls", "trace_events", "tty", "url", "util", "util/types", "v8", "vm", "wasi", "worker_threads", "zlib"])

# Module specifiers in import/export declarations, dynamic import() and require().
_SPECIFIERS = re.compile(r"""
    (?:\bimport|\bexport)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"'\n]+)["']
  | \bimport\s*\(\s*["']([^"'\n]+)["']\s*\)
  | \brequire\s*\(\s*["']([^"'\n]+)["']\s*\)
""", re.VERBOSE)
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_LINE_COMMENT = re.compile(r"(?m)(^|[^:\"'\\])//.*$")
# npm's rules for new package names (validate-npm-package-name): lowercase,
# URL-safe, at most 214 characters, optionally in one @scope.
_PACKAGE_NAME = re.compile(r"^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$")
# What an npm version range (node-semver) or dist-tag may contain.
_RANGE = re.compile(r"^[0-9A-Za-z.*^~<>=|+ \t-]+$")


# -- reading what a script asks for ------------------------------------------------

def package_of(specifier: str) -> str | None:
    """The npm package a module specifier names, or None for relative paths,
    absolute paths, URLs and Node.js built-ins."""
    if specifier.startswith((".", "/", "node:", "data:", "http:", "https:", "file:")):
        return None
    if specifier in NODE_BUILTINS or specifier.split("/", 1)[0] in NODE_BUILTINS:
        return None
    parts = specifier.split("/")
    if specifier.startswith("@"):
        return "/".join(parts[:2]) if len(parts) >= 2 and parts[1] else specifier
    return parts[0]


def imported_packages(source: str) -> list[str]:
    """The packages the script imports, in order of first appearance."""
    text = _LINE_COMMENT.sub(r"\1", _BLOCK_COMMENT.sub("", source))
    found: list[str] = []
    for match in _SPECIFIERS.finditer(text):
        specifier = next(group for group in match.groups() if group)
        package = package_of(specifier.strip())
        if package is None:
            continue
        if not _PACKAGE_NAME.match(package) or len(package) > 214:
            raise DependencyError(f"{INLINE}: {specifier!r} does not name a valid npm package", kind="malformed",
                                  package=package)
        if package not in found:
            found.append(package)
    return found


def declared_range(dependency: Declared) -> Wanted:
    """A registry record's {name, version} as a package and its npm range (or "")."""
    name, version, origin = dependency.name, dependency.version, dependency.origin
    if not version and "@" in name[1:]:  # "pkg@range", as npm install takes it (and `stellascript run --dep`)
        name, version = split_requirement(name)
    if not _PACKAGE_NAME.match(name) or len(name) > 214:
        raise DependencyError(f"{origin}: {name!r} is not a valid npm package name "
                              "(lowercase, URL-safe, optionally @scope/name)", kind="malformed", package=name or None)
    if version in ("*", "latest"):
        version = ""
    if version and not _RANGE.match(version):
        raise DependencyError(f"{origin}: version {version!r} of {name!r} is not an npm version range "
                              "(e.g. 1.2.3, ^1.2, ~1.2.3, >=1 <2)", kind="malformed", package=name)
    return Wanted(name, " ".join(version.split()), origin)


def split_requirement(requirement: str) -> tuple[str, str]:
    """'pkg@range' or '@scope/pkg@range' -> (name, range or '')."""
    at = requirement.find("@", 1)
    return (requirement, "") if at < 0 else (requirement[:at], requirement[at + 1:])


# -- npm --------------------------------------------------------------------------------

def _npm_failure(output: str, source: str) -> DependencyError:
    """A clear error, naming the package and the source, from npm's output."""
    code = re.search(r"npm (?:error|ERR!) code (\S+)", output)
    code = code.group(1) if code else ""
    if code == "E404":
        match = re.search(r"'(@?[^'@\s]+)@[^']*' is not in this registry", output) or \
            re.search(r"404 Not Found - GET \S+/(@?[^/\s]+(?:%2[fF][^/\s]+)?)", output)
        name = match.group(1).replace("%2f", "/").replace("%2F", "/") if match else None
        return unknown_package(name, source)
    if code == "ETARGET":
        match = re.search(r"No matching version found for (@?[^@\s]+)@(\S+?)\.?$", output, re.MULTILINE)
        name, wanted = (match.group(1), match.group(2)) if match else (None, "?")
        return DependencyError(f"no version of package {name!r} matches {wanted!r} at {source}",
                               kind="unknown_version", package=name, source=source)
    if code == "EINVALIDTAGNAME" or code == "EINVALIDPACKAGENAME":
        match = re.search(r"npm (?:error|ERR!) (Invalid (?:tag|package) name.*)$", output, re.MULTILINE)
        return DependencyError(f"npm refused the request to {source}: {match.group(1) if match else code}",
                               kind="malformed", source=source)
    if code == "ERESOLVE":
        match = re.search(r"Could not resolve dependency:\s*\n.*?(?:peer )?(@?[^@\s]+)@", output)
        name = match.group(1) if match else None
        detail = "\n".join(line for line in output.splitlines() if "npm error" in line or "npm ERR!" in line)[:1500]
        return DependencyError(f"conflicting versions of package {name!r} at {source}:\n{detail}",
                               kind="conflict", package=name, source=source)
    if code in ("ENOTFOUND", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
                "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "CERT_HAS_EXPIRED"):
        return DependencyError(f"{REGISTRY} {source} could not be reached ({code})", kind="unreachable", source=source)
    return DependencyError(f"npm could not resolve the dependencies from {source}:\n{output_tail(output)}", source=source)


def locked_packages(lock_json: dict, requested: set[str]) -> list[LockedPackage]:
    """Every package of an npm package-lock (v2/v3), with its integrity hash."""
    entries = lock_json.get("packages") or {}
    packages = []
    for path, entry in sorted(entries.items()):
        if not path or entry.get("link"):
            continue
        name = entry.get("name") or path.rsplit("node_modules/", 1)[-1]
        integrity = entry.get("integrity")
        if not integrity:
            raise DependencyError(f"npm gave no integrity hash for {name} {entry.get('version')}: it cannot be locked",
                                  package=name)
        dependencies = sorted({*(entry.get("dependencies") or {}), *(entry.get("optionalDependencies") or {}),
                               *(entry.get("peerDependencies") or {})})
        packages.append(LockedPackage(
            name=name, version=entry["version"], hashes=tuple(integrity.split()),
            requested=path == f"node_modules/{name}" and name in requested,
            dependencies=tuple(dependencies),
        ))
    return packages


class TypeScriptResolver(Resolver):
    language = "typescript"
    ecosystem = "npm"
    manager = "npm"

    def requirements(self, source: str, declared: list[dict]) -> tuple[str, ...]:
        wanted = [Wanted(name, "", INLINE) for name in imported_packages(source)]
        wanted += [declared_range(dependency) for dependency in runtime_dependencies(declared)]
        return tuple(sorted(f"{w.name}@{w.version}" if w.version else w.name for w in merge_versions(wanted)))

    @staticmethod
    def manifest(requirements: tuple[str, ...]) -> dict:
        dependencies = {}
        for requirement in requirements:
            name, version = split_requirement(requirement)
            dependencies[name] = version or "latest"
        return {"name": MANIFEST_NAME, "version": "1.0.0", "private": True, "dependencies": dependencies}

    @staticmethod
    def command(source: str, settings: DependencySettings) -> list[str]:
        argv = ["npm", "install", "--package-lock-only", *NPM_OPTIONS, "--registry", source]
        if settings.ca_file:
            argv += ["--cafile", CA_IN_CONTAINER]
        return argv

    def resolve(self, requirements: tuple[str, ...], context: ResolveContext) -> Lock:
        source = context.settings.source(self.ecosystem)
        argv = self.command(source, context.settings)
        with scratch("stellascript-resolve-") as workdir:
            (workdir / "package.json").write_text(json.dumps(self.manifest(requirements), indent=2) + "\n")
            self.announce(context, "npm package(s)", requirements, source)
            # The versions first, on lines of their own, for the lock's record.
            script = f'echo "npm $(npm --version)"; echo "node $(node --version)"; exec {shlex.join(argv)}'
            run = run_tool(context, ["/bin/sh", "-c", script], environment=NPM_ENVIRONMENT, workdir=workdir,
                           what="npm (resolving TypeScript dependencies)", source=source,
                           egress=context.settings.egress(self.ecosystem))
            lock_path = workdir / "package-lock.json"
            if run.exit_code != 0 or not lock_path.is_file():
                raise _npm_failure(run.output, source)
            lock_text = lock_path.read_text()
        npm_version = re.search(r"^npm (\S+)$", run.output, re.MULTILINE)
        node_version = re.search(r"^node v?(\S+)$", run.output, re.MULTILINE)
        requested = {split_requirement(r)[0] for r in requirements}
        packages = locked_packages(json.loads(lock_text), requested)
        return Lock(
            language=self.language, requested=requirements, packages=tuple(packages), lock_file=lock_text,
            source=source, command=shlex.join(argv), tool=f"npm {npm_version.group(1)}" if npm_version else "npm",
            runtime=f"node {node_version.group(1)}" if node_version else "",
        )

    def build_files(self, lock: Lock, base_image: str, settings: DependencySettings) -> BuildFiles:
        source = settings.source(self.ecosystem)
        # npm ci wants the manifest the lock was made from; npm wrote its
        # dependencies into the lock's root entry.
        root = json.loads(lock.lock_file).get("packages", {}).get("", {})
        manifest = {"name": root.get("name", MANIFEST_NAME), "version": root.get("version", "1.0.0"), "private": True,
                    "dependencies": root.get("dependencies", {})}
        install = ["npm", "ci", *NPM_OPTIONS, "--registry", source]
        if settings.ca_file:
            install += ["--cafile", CA_IN_BUILD]
        environment = " ".join(f"{key}={value}" for key, value in NPM_ENVIRONMENT.items())
        dockerfile = (
            f"FROM {base_image} AS install\n"
            f"COPY build {BUILD_DIR}\n"
            f"RUN cd {BUILD_DIR} && {environment} {shlex.join(install)} && rm -rf /tmp/npm-cache\n"
            f"FROM {base_image}\n"
            # /node_modules is on the way up from /scripts: Node.js and tsc
            # both look there without any flag.
            f"COPY --from=install {BUILD_DIR}/node_modules {NODE_MODULES}\n"
            f"COPY build/package.json build/package-lock.json {LOCK_DIR}/\n"
        )
        files: dict[str, bytes | Path] = {
            "build/package.json": (json.dumps(manifest, indent=2) + "\n").encode(),
            "build/package-lock.json": lock.lock_file.encode(),
            **build_ca_files(settings),
        }
        return BuildFiles(dockerfile=dockerfile, files=files)

    # -- search ----------------------------------------------------------------------

    def search(self, query: str, settings: DependencySettings) -> list[dict]:
        """The registry's full-text search (/-/v1/search), best matches first.
        Registries (and mirrors) without that endpoint answer 404: then the
        query is looked up as an exact package name, as for PyPI."""
        source = settings.source(self.ecosystem)
        query = query.strip()
        response = _get(f"{source.rstrip('/')}/-/v1/search?text={quote(query)}&size=20", settings, source)
        if response.status_code in (404, 405, 501):
            return self._exact_name(query, settings, source)
        if response.status_code != 200:
            raise DependencyError(f"{REGISTRY} {source} answered {response.status_code} to a search for {query!r}",
                                  kind="unreachable", source=source)
        items = []
        for found in response.json().get("objects", []):
            package = found.get("package") or {}
            if not package.get("name"):
                continue
            version = package.get("version", "")
            items.append({"name": package["name"], "versions": [version] if version else [], "latest": version,
                          "description": package.get("description") or "", "source": source,
                          "match": "exact name" if package["name"] == query.lower() else "full text"})
        return items

    @staticmethod
    def _exact_name(query: str, settings: DependencySettings, source: str) -> list[dict]:
        name = query.lower()
        if not _PACKAGE_NAME.match(name):
            return []
        # The abbreviated metadata document (what npm install reads).
        response = _get(f"{source.rstrip('/')}/{name.replace('/', '%2f')}", settings, source,
                        accept="application/vnd.npm.install-v1+json")
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise DependencyError(f"{REGISTRY} {source} answered {response.status_code} for {name!r}",
                                  kind="unreachable", package=name, source=source)
        document = response.json()
        versions = sorted(document.get("versions") or {}, key=_semver_key, reverse=True)
        if not versions:
            return []
        latest = (document.get("dist-tags") or {}).get("latest") or versions[0]
        return [{"name": document.get("name", name), "versions": versions[:50], "latest": latest, "source": source,
                 "match": "exact name (the registry offers no full-text search)"}]


def _get(url: str, settings: DependencySettings, source: str, accept: str = "application/json") -> requests.Response:
    return http_get(url, settings, registry=REGISTRY, source=source, headers={"Accept": accept})


def _semver_key(version: str) -> tuple:
    """Order of semver versions: numbers numerically; a release after its pre-releases."""
    core, _, prerelease = version.split("+", 1)[0].partition("-")
    numbers = tuple(int(part) if part.isdigit() else -1 for part in core.split("."))
    tags = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in prerelease.split(".")) if prerelease else ()
    return numbers, not prerelease, tags


TYPESCRIPT = TypeScriptResolver()
