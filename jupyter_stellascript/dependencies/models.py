"""The vocabulary of dependencies: errors, settings, a set, and its lock.

A *dependency set* is what a script asks for, normalized (one requirement per
package, in a fixed order, in the ecosystem's own syntax). A *lock* is what
resolving it gave: every package, transitive ones included, at one exact
version with the hashes of its files, plus the ecosystem's lock file text
that installs exactly that. The lock's identity is the SHA-256 of that text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..units import parse_duration

HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
DEFAULT_RESOLVE_TIMEOUT_S = 600.0
LOCK_FORMAT = 1


def _http_url(value: str) -> list[str]:
    return [] if value.startswith(("http://", "https://")) else [f"{value!r} is not an http(s) URL"]


def _http_url_or_folder(value: str) -> list[str]:
    return [] if value.startswith("/") else _http_url(value)  # "/...": a local folder feed


def _goproxy(value: str) -> list[str]:
    # GOPROXY's own syntax: URLs separated by "," or "|", and "direct" or "off".
    return [f"{entry!r} in {value!r} is not an http(s) URL, 'direct' or 'off'" for entry in re.split(r"[,|]", value)
            if entry not in ("direct", "off") and not entry.startswith(("http://", "https://", "file://"))]


def _gosumdb(value: str) -> list[str]:
    return [] if value.strip() else ["empty; use 'off' to check Go modules against go.sum alone"]


@dataclass(frozen=True)
class PackageSource:
    """Where one ecosystem's packages come from: ``c.StellaScript.<setting>``,
    else the environment variable ``env``, else ``default``. config.py makes
    one setting of each (a resolver reads it as ``settings.source(key)``)."""

    key: str  # its key in DependencySettings.sources (a resolver's ``ecosystem``, or a second source of one)
    setting: str
    default: str
    env: str
    help: str
    check: Callable[[str], list[str]] = _http_url  # problems with a configured value


PACKAGE_SOURCES: tuple[PackageSource, ...] = (
    PackageSource("pypi", "pypi_source", "https://pypi.org/simple", "STELLASCRIPT_PYPI_SOURCE",
                  "Python package index (PEP 503 simple API) for dependencies."),
    PackageSource("npm", "npm_source", "https://registry.npmjs.org", "STELLASCRIPT_NPM_SOURCE",
                  "npm registry for TypeScript dependencies."),
    PackageSource("maven", "maven_source", "https://repo.maven.apache.org/maven2", "STELLASCRIPT_MAVEN_SOURCE",
                  "Maven repository for Java dependencies."),
    # NuGet's v2 protocol: the NuGet client that runs on Mono here (2.8) reads no v3 feeds.
    PackageSource("nuget", "nuget_source", "https://www.nuget.org/api/v2/", "STELLASCRIPT_NUGET_SOURCE",
                  "NuGet feed for C# dependencies: a v2 feed URL or a local folder feed (absolute path).",
                  _http_url_or_folder),
    # Bash's apt packages: the Debian mirror the runtime images are built from.
    PackageSource("debian", "debian_source", "http://deb.debian.org/debian", "STELLASCRIPT_DEBIAN_SOURCE",
                  "Debian mirror for Bash's apt dependencies (default: $STELLASCRIPT_DEBIAN_SOURCE "
                  "or http://deb.debian.org/debian)."),
    # Go's two: GOPROXY (a URL, or a list as the go command takes it) and GOSUMDB.
    PackageSource("goproxy", "goproxy", "https://proxy.golang.org", "STELLASCRIPT_GOPROXY",
                  "GOPROXY for Go modules: a URL, or a list as the go command takes it "
                  "(default: $STELLASCRIPT_GOPROXY or https://proxy.golang.org).", _goproxy),
    PackageSource("gosumdb", "gosumdb", "sum.golang.org", "STELLASCRIPT_GOSUMDB",
                  "GOSUMDB checking Go modules' hashes, or 'off' "
                  "(default: $STELLASCRIPT_GOSUMDB or sum.golang.org).", _gosumdb),
)
DEFAULT_SOURCES = {source.key: source.default for source in PACKAGE_SOURCES}
SOURCE_ENV = {source.key: source.env for source in PACKAGE_SOURCES}
CA_BUNDLE_ENV = "STELLASCRIPT_DEPENDENCY_CA_BUNDLE"
TIMEOUT_ENV = "STELLASCRIPT_DEPENDENCY_TIMEOUT"
# Extra labels of every derived image built, "name=value,name=value" (who
# built it, for clean-up: a test session labels its own).
IMAGE_LABELS_ENV = "STELLASCRIPT_DERIVED_IMAGE_LABELS"
# Hosts a resolution may reach besides its package source's ("host" or
# "host:port", comma-separated): PyPI's files are on files.pythonhosted.org.
ALLOWED_HOSTS_ENV = "STELLASCRIPT_DEPENDENCY_ALLOWED_HOSTS"
DEFAULT_ALLOWED_HOSTS = "files.pythonhosted.org"
# "registries": resolution containers have network none and reach only the
# allowed hosts (dependencies/egress.py); "host": the host's network.
NETWORK_ENV = "STELLASCRIPT_DEPENDENCY_NETWORK"
RESOLVE_NETWORKS = ("registries", "host")
RELAY_IMAGE = "stella-runtime/python:latest"


class DependencyError(ValueError):
    """A dependency set cannot be resolved or installed; nothing was run.

    ``kind`` is one of malformed, conflict, unknown_package, unknown_version,
    unreachable, timeout, unsupported, failed. ``package`` and ``source`` name
    what was asked and where, when known.
    """

    def __init__(self, message: str, *, kind: str = "failed", package: str | None = None, source: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.package = package
        self.source = source

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "package": self.package, "source": self.source, "message": str(self)}


class DependenciesCancelled(DependencyError):
    def __init__(self) -> None:
        super().__init__("cancelled while preparing dependencies", kind="cancelled")


class UnsupportedEcosystem(DependencyError):
    def __init__(self, message: str) -> None:
        super().__init__(message, kind="unsupported")


def source_default(ecosystem: str) -> str:
    return os.environ.get(SOURCE_ENV[ecosystem]) or DEFAULT_SOURCES[ecosystem]


def allowed_hosts_default() -> tuple[str, ...]:
    text = os.environ.get(ALLOWED_HOSTS_ENV, DEFAULT_ALLOWED_HOSTS)
    return tuple(item.strip() for item in text.split(",") if item.strip())


def image_labels_default() -> dict[str, str]:
    pairs = (item.partition("=") for item in os.environ.get(IMAGE_LABELS_ENV, "").split(",") if item.strip())
    return {name.strip(): value.strip() for name, _, value in pairs}


@dataclass(frozen=True)
class DependencySettings:
    """Where packages come from and how resolution may behave."""

    sources: dict[str, str] = field(default_factory=lambda: {name: source_default(name) for name in DEFAULT_SOURCES})
    # The CA bundle given to package managers (registries may be reached
    # through a TLS-intercepting proxy).
    ca_bundle: str = field(default_factory=lambda: os.environ.get(CA_BUNDLE_ENV) or HOST_CA_BUNDLE)
    timeout_s: float = field(default_factory=lambda: parse_duration(os.environ.get(TIMEOUT_ENV) or "10m"))
    image_labels: dict[str, str] = field(default_factory=image_labels_default)
    allowed_hosts: tuple[str, ...] = field(default_factory=allowed_hosts_default)
    network: str = field(default_factory=lambda: os.environ.get(NETWORK_ENV) or "registries")
    # The image of the egress relay each resolution with network "registries"
    # starts (dependencies/egress_forward.py needs python3): the Python runtime's.
    relay_image: str = RELAY_IMAGE

    @classmethod
    def from_environment(cls) -> "DependencySettings":
        return cls()

    def source(self, ecosystem: str) -> str:
        return self.sources.get(ecosystem) or source_default(ecosystem)

    def egress(self, *source_keys: str) -> set[tuple[str, int]] | None:
        """The (host, port) pairs a resolution may reach: those of its sources
        (``source_keys``, e.g. "goproxy" and "gosumdb" for Go) and the allowed
        hosts; None when resolutions use the host's network."""
        if self.network == "host":
            return None
        from .egress import allowed_endpoints
        return allowed_endpoints([self.source(key) for key in source_keys], self.allowed_hosts)

    @property
    def ca_file(self) -> Path | None:
        """The CA bundle when it exists (package managers are then told to trust it)."""
        path = Path(self.ca_bundle)
        return path if path.is_file() else None

    @property
    def tls_verify(self) -> str | bool:
        """What requests verifies TLS with: the CA bundle when it exists, else its defaults."""
        return self.ca_bundle if self.ca_file else True


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str
    hashes: tuple[str, ...]  # "sha256:<hex>"
    requested: bool = False  # asked for directly (not only pulled in by another)
    dependencies: tuple[str, ...] = ()  # names of locked packages this one requires

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "hashes": list(self.hashes),
                "requested": self.requested, "dependencies": list(self.dependencies)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LockedPackage":
        return cls(name=data["name"], version=data["version"], hashes=tuple(data.get("hashes", ())),
                   requested=bool(data.get("requested")), dependencies=tuple(data.get("dependencies", ())))


@dataclass(frozen=True)
class Lock:
    """Exactly what a dependency set resolved to."""

    language: str
    requested: tuple[str, ...]  # the normalized set this lock satisfies
    packages: tuple[LockedPackage, ...]
    lock_file: str  # the ecosystem's lock (Python: requirements with == pins and --hash lines)
    source: str = ""  # where it was resolved
    command: str = ""  # the command that resolved it
    tool: str = ""  # e.g. "pip 26.3"
    runtime: str = ""  # e.g. "python 3.11.2"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.lock_file.encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": LOCK_FORMAT, "language": self.language, "sha256": self.sha256,
            "requested": list(self.requested), "packages": [package.to_dict() for package in self.packages],
            "lock_file": self.lock_file, "source": self.source, "command": self.command,
            "tool": self.tool, "runtime": self.runtime,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Lock":
        if not isinstance(data, dict) or data.get("format") != LOCK_FORMAT:
            raise ValueError(f"not a Stella Script dependency lock (format {LOCK_FORMAT})")
        lock = cls(
            language=data["language"], requested=tuple(data["requested"]),
            packages=tuple(LockedPackage.from_dict(p) for p in data["packages"]),
            lock_file=data["lock_file"], source=data.get("source", ""), command=data.get("command", ""),
            tool=data.get("tool", ""), runtime=data.get("runtime", ""),
        )
        if data.get("sha256") and data["sha256"] != lock.sha256:
            raise ValueError("the dependency lock does not match its SHA-256")
        return lock

    @classmethod
    def from_json(cls, text: str) -> "Lock":
        return cls.from_dict(json.loads(text))


def set_key(language: str, base_image_id: str, source: str, requirements: tuple[str, ...]) -> str:
    """The identity of a dependency set as asked for (image tag, lock names)."""
    text = json.dumps(["set", language, base_image_id, source, list(requirements)])
    return hashlib.sha256(text.encode()).hexdigest()


def locked_set_key(language: str, base_image_id: str, lock: Lock) -> str:
    """The identity of a locked set: the same exact packages on the same base."""
    text = json.dumps(["locked", language, base_image_id, lock.lock_file])
    return hashlib.sha256(text.encode()).hexdigest()
