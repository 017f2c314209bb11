"""A real PEP 503 package index for tests: tiny wheels built here, served by
http.server on 127.0.0.1, to which a test can publish new releases mid-test."""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import io
import tarfile
import threading
import uuid
import zipfile
from functools import partial
from pathlib import Path

from packaging.utils import canonicalize_name


def unique_name(prefix: str) -> str:
    """A package name no other test run (or PyPI) has: images persist across runs."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(name: str, version: str, module_source: str, requires: tuple[str, ...] = ()) -> tuple[str, bytes]:
    """A pure-Python wheel with one module (the name with '_' for '-')."""
    distribution = canonicalize_name(name).replace("-", "_")
    dist_info = f"{distribution}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{distribution}.py": module_source.encode(),
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: stellascript-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items()) + f"{dist_info}/RECORD,,\n"
    files[f"{dist_info}/RECORD"] = record.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return f"{distribution}-{version}-py3-none-any.whl", buffer.getvalue()


def build_sdist(name: str, version: str) -> tuple[str, bytes]:
    """A source distribution whose setup.py would print a marker when run."""
    distribution = canonicalize_name(name).replace("-", "_")
    root = f"{distribution}-{version}"
    files = {
        f"{root}/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{root}/setup.py": f"print('SETUP-PY-RAN')\nfrom setuptools import setup\nsetup(name={name!r}, version={version!r})\n".encode(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return f"{root}.tar.gz", buffer.getvalue()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class LocalIndex:
    """``{url}`` is a PEP 503 simple index (``/simple/<name>/``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._external: dict[str, list[str]] = {}
        (root / "simple").mkdir(parents=True, exist_ok=True)
        (root / "files").mkdir(exist_ok=True)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple"

    def publish(self, name: str, version: str, module_source: str | None = None, requires: tuple[str, ...] = ()) -> str:
        """Add a release; returns the sha256 of its wheel."""
        source = module_source if module_source is not None else f"VERSION = {version!r}\n"
        filename, data = build_wheel(name, version, source, requires)
        (self.root / "files" / filename).write_bytes(data)
        self._write_pages(canonicalize_name(name))
        return hashlib.sha256(data).hexdigest()

    def publish_sdist(self, name: str, version: str) -> None:
        """Add a release that has only a source distribution (no wheel)."""
        filename, data = build_sdist(name, version)
        (self.root / "files" / filename).write_bytes(data)
        self._write_pages(canonicalize_name(name))

    def publish_elsewhere(self, name: str, version: str, base_url: str) -> None:
        """Add a release whose wheel the page links on another server (``base_url``)."""
        filename, data = build_wheel(name, version, f"VERSION = {version!r}\n")
        self._external.setdefault(canonicalize_name(name), []).append(
            f'<a href="{html.escape(base_url)}/{html.escape(filename)}#sha256={hashlib.sha256(data).hexdigest()}">'
            f'{html.escape(filename)}</a><br/>')
        self._write_pages(canonicalize_name(name))

    def _write_pages(self, project: str) -> None:
        distribution = project.replace("-", "_")
        links = list(self._external.get(project, []))
        files = (self.root / "files")
        for path in sorted([*files.glob(f"{distribution}-*.whl"), *files.glob(f"{distribution}-*.tar.gz")]):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            links.append(f'<a href="../../files/{html.escape(path.name)}#sha256={digest}">{html.escape(path.name)}</a><br/>')
        folder = self.root / "simple" / project
        folder.mkdir(exist_ok=True)
        (folder / "index.html").write_text("<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n")
        projects = sorted(p.name for p in (self.root / "simple").iterdir() if p.is_dir())
        (self.root / "simple" / "index.html").write_text(
            "<!DOCTYPE html><html><body>\n" + "\n".join(f'<a href="{p}/">{p}</a>' for p in projects) + "\n</body></html>\n")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
