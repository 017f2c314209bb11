"""Apache Maven for the Java resolver: its distribution, its caches, its trust.

Maven itself is not in the java runtime image (the image stays a plain JDK).
Its binary distribution is fetched once from the configured Maven source
(where Maven Central publishes it, as org.apache.maven:apache-maven:<v>:bin),
checked against the SHA-512 pinned here, unpacked into the data directory and
mounted read-only into each resolution container.

Also on the host, under ``<data>/maven/`` (private to this user):

- ``repository/``: Maven's local repository, shared by every resolution (the
  dependency plugin is downloaded into it once; artifacts are reused);
  written by the unprivileged user of the resolution containers;
- ``truststores/``: the CA bundle as a PKCS#12 truststore for the JVM, made
  once per bundle by the JDK itself (Java cannot read a PEM bundle);
- ``jars/``: the jars of every lock, by SHA-256, from which derived images
  are built without downloading again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import requests

from ..paths import data_dir
from .base import Progress
from .egress import PROXY_HOST as EGRESS_PROXY_HOST, PROXY_PORT as EGRESS_PROXY_PORT
from .models import DependencyError, DependencySettings

if TYPE_CHECKING:
    from .java import Artifact

MAVEN_VERSION = "3.9.16"
# From the .sha512 Maven Central publishes beside the archive, pinned so that
# a mirror (or anything on the way) cannot hand over another Maven.
MAVEN_SHA512 = ("831a8591fe20c8243b1dbe7d71e3244f31d1665b0804b2e825e38cbbe5ce0cafb8338851f90780735568773e0a6cd07bb"
                "ec107cda0b896b008b861075358b6f6")
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

# Where things are inside a resolution container.
MAVEN_HOME_IN_CONTAINER = "/opt/stellascript/maven"
TOOLS_IN_CONTAINER = "/opt/stellascript/maven-tools"
REPOSITORY_IN_CONTAINER = "/cache/repository"
TRUSTSTORES_IN_CONTAINER = "/cache/truststores"
TRUSTSTORE_PASSWORD = "changeit"  # a truststore holds public certificates only

# Loads every certificate of a PEM bundle (keytool imports one per call, and
# the host's bundle has ~150) into a PKCS#12 truststore.
TRUSTSTORE_TOOL = """\
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

public class TrustStore {
    public static void main(String[] args) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int index = 0;
        try (FileInputStream in = new FileInputStream(args[0])) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + index++, certificate);
            }
        }
        try (FileOutputStream out = new FileOutputStream(args[1])) {
            store.store(out, args[2].toCharArray());
        }
        System.out.println("[stellascript] the JVM trusts the " + index + " certificates of the CA bundle");
    }
}
"""


def cache_dir() -> Path:
    path = data_dir() / "maven"
    path.mkdir(parents=True, exist_ok=True)
    # Its writable sub-folders are open to the containers' user; this keeps
    # other users of the host out of them (a planted jar would be locked).
    path.chmod(0o700)
    return path


def _shared_dir(name: str) -> Path:
    """A folder the resolution containers' unprivileged user writes into."""
    path = cache_dir() / name
    path.mkdir(exist_ok=True)
    path.chmod(0o777)
    return path


def local_repository() -> Path:
    return _shared_dir("repository")


def truststores_dir() -> Path:
    return _shared_dir("truststores")


def jar_store() -> Path:
    path = cache_dir() / "jars"
    path.mkdir(exist_ok=True)
    return path


def tools_dir() -> Path:
    path = cache_dir() / "tools"
    path.mkdir(exist_ok=True)
    tool = path / "TrustStore.java"
    if not tool.is_file() or tool.read_text() != TRUSTSTORE_TOOL:
        with tempfile.NamedTemporaryFile("w", dir=path, prefix=".TrustStore-", delete=False) as staging:
            staging.write(TRUSTSTORE_TOOL)
        Path(staging.name).chmod(0o644)
        Path(staging.name).replace(tool)
    return path


def truststore_name(ca_bundle: Path) -> str:
    return f"ca-{hashlib.sha256(ca_bundle.read_bytes()).hexdigest()[:16]}.p12"


@contextlib.contextmanager
def _host_lock(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def maven_home(settings: DependencySettings, progress: Progress) -> Path:
    """The unpacked Apache Maven distribution, fetched and verified once."""
    cache = cache_dir()
    home = cache / f"apache-maven-{MAVEN_VERSION}"
    verified = home / ".stellascript-verified"
    if verified.is_file():
        return home
    source = settings.source("maven")
    with _host_lock(cache / ".maven-download.lock"):
        if verified.is_file():  # another process fetched it meanwhile
            return home
        name = f"apache-maven-{MAVEN_VERSION}-bin.tar.gz"
        url = f"{source.rstrip('/')}/org/apache/maven/apache-maven/{MAVEN_VERSION}/{name}"
        progress(f"fetching Apache Maven {MAVEN_VERSION} from {source} (once)")
        with tempfile.TemporaryDirectory(dir=cache, prefix=".maven-download-") as staging:
            archive = Path(staging) / name
            digest = _download(url, archive, "sha512", settings, what=f"Apache Maven {MAVEN_VERSION}", source=source)
            if digest != MAVEN_SHA512:
                raise DependencyError(
                    f"the Apache Maven {MAVEN_VERSION} distribution from {url} does not match its published SHA-512 "
                    f"(got {digest[:16]}...); it was not used", source=source)
            with tarfile.open(archive) as tar:
                tar.extractall(staging, filter="data")
            unpacked = Path(staging) / f"apache-maven-{MAVEN_VERSION}"
            if not (unpacked / "bin" / "mvn").is_file():
                raise DependencyError(f"{url} does not hold bin/mvn", source=source)
            (unpacked / verified.name).write_text(f"sha512 {digest}\n")
            if home.exists():  # an unverified leftover of an interrupted unpacking
                shutil.rmtree(home)
            unpacked.rename(home)
    return home


def _download(url: str, target: Path, algorithm: str, settings: DependencySettings, *, what: str, source: str) -> str:
    """Stream ``url`` into ``target``; returns its hex digest. A 404 is
    FileNotFoundError; anything else that fails is an 'unreachable' error."""
    digest = hashlib.new(algorithm)
    try:
        with requests.get(url, stream=True, timeout=60, verify=settings.tls_verify) as response:
            if response.status_code == 404:
                raise FileNotFoundError(url)
            if response.status_code != 200:
                raise DependencyError(f"{source} answered {response.status_code} for {what} ({url})",
                                      kind="unreachable", source=source)
            with open(target, "wb") as out:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    digest.update(chunk)
                    out.write(chunk)
    except requests.RequestException as error:
        raise DependencyError(f"{source} could not be reached for {what}: {error}", kind="unreachable", source=source) from None
    return digest.hexdigest()


def download_verified(url: str, sha256: str, settings: DependencySettings, *, what: str, package: str, source: str) -> Path:
    """A file of the jar store: ``url`` downloaded once, kept only if its
    SHA-256 is ``sha256``."""
    store = jar_store()
    kept = store / f"{sha256}.jar"
    if kept.is_file():
        return kept
    with tempfile.TemporaryDirectory(dir=store, prefix=".download-") as staging:
        target = Path(staging) / "download.jar"
        try:
            digest = _download(url, target, "sha256", settings, what=what, source=source)
        except FileNotFoundError:
            raise DependencyError(f"{what} is no longer at {source} ({url})", kind="unknown_version",
                                  package=package, source=source) from None
        if digest != sha256:
            raise DependencyError(
                f"{what} from {source} does not match the lock's hash: sha256:{digest} instead of sha256:{sha256}",
                package=package, source=source)
        target.chmod(0o644)
        target.replace(kept)
    return kept


def keep(jar: Path, sha256: str) -> Path:
    """Copy a resolved jar into the jar store (under its hash)."""
    store = jar_store()
    kept = store / f"{sha256}.jar"
    if not kept.is_file():
        with tempfile.NamedTemporaryFile(dir=store, prefix=".keep-", delete=False) as staging, open(jar, "rb") as source:
            shutil.copyfileobj(source, staging)
        Path(staging.name).chmod(0o644)
        Path(staging.name).replace(kept)
    return kept


# -- how a resolution runs Maven ---------------------------------------------------

def pom_text(artifacts: list["Artifact"]) -> str:
    """A POM asking for exactly ``artifacts`` (java.Artifact: group, artifact, version, classifier)."""
    dependencies = "".join(
        "    <dependency>"
        f"<groupId>{escape(a.group)}</groupId><artifactId>{escape(a.artifact)}</artifactId>"
        f"<version>{escape(a.version)}</version>"
        + (f"<classifier>{escape(a.classifier)}</classifier>" if a.classifier else "")
        + "</dependency>\n"
        for a in artifacts)
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n"
        "  <groupId>io.stellascript.resolve</groupId><artifactId>script</artifactId><version>0</version>\n"
        "  <packaging>pom</packaging>\n"
        f"  <dependencies>\n{dependencies}  </dependencies>\n"
        "</project>\n")


def settings_text(source: str, proxied: bool = False) -> str:
    """Every repository (Central, and any a dependency's POM names) is the
    configured source; ``proxied``: reached through the egress proxy (Maven
    reads no HTTP(S)_PROXY variables, only its settings' proxies)."""
    proxies = "".join(
        f"<proxy><id>stellascript-egress-{protocol}</id><active>true</active><protocol>{protocol}</protocol>"
        f"<host>{EGRESS_PROXY_HOST}</host><port>{EGRESS_PROXY_PORT}</port></proxy>" for protocol in ("https", "http"))
    return (
        '<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">\n'
        "  <mirrors><mirror><id>stellascript-source</id><mirrorOf>*</mirrorOf>"
        f"<url>{escape(source)}</url></mirror></mirrors>\n"
        + (f"  <proxies>{proxies}</proxies>\n" if proxied else "")
        + "</settings>\n")


def maven_argv() -> list[str]:
    return [
        f"{MAVEN_HOME_IN_CONTAINER}/bin/mvn", "--batch-mode", "--no-transfer-progress", "--show-version",
        "--update-snapshots",  # look again for what an earlier resolution did not find
        "--strict-checksums", "-Dstyle.color=never",
        "--settings", "/out/settings.xml", "--global-settings", "/out/settings.xml",
        f"-Dmaven.repo.local={REPOSITORY_IN_CONTAINER}",
        # Resolutions running at once share the local repository.
        "-Daether.syncContext.named.factory=file-lock", "-Daether.syncContext.named.nameMapper=file-gav",
        "--file", "/out/pom.xml",
        f"{DEPENDENCY_PLUGIN}:tree", "-DoutputFile=/out/tree.txt", "-Dscope=runtime",
        f"{DEPENDENCY_PLUGIN}:copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory=/out/jars",
        "-Dmdep.useRepositoryLayout=true",
    ]
