"""A Python package index's simple API (PEP 691 JSON, or PEP 503 HTML for
plain indexes): the versions it lists for a name, which is what searching
Python dependencies can do (PyPI has no full-text search; its XML-RPC search
is gone)."""

from __future__ import annotations

import html.parser
import re
from urllib.parse import urljoin

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .base import http_get
from .models import DependencyError, DependencySettings

REGISTRY = "the package index"  # in messages: "the package index <source> could not be reached"


def index_versions(query: str, settings: DependencySettings, source: str) -> list[dict]:
    """The package named exactly ``query`` (normalized) at the index
    ``source``, with its versions newest first; [] when there is none."""
    name = canonicalize_name(query.strip())
    if not name or not re.match(r"^[a-z0-9][a-z0-9._-]*$", name):
        return []
    url = urljoin(source.rstrip("/") + "/", f"{name}/")
    response = http_get(url, settings, registry=REGISTRY, source=source, package=name,
                        headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"})
    if response.status_code == 404:
        return []
    if response.status_code != 200:
        raise DependencyError(f"{REGISTRY} {source} answered {response.status_code} for {name!r}",
                              kind="unreachable", package=name, source=source)
    if "json" in response.headers.get("Content-Type", ""):
        data = response.json()
        filenames = [f.get("filename", "") for f in data.get("files", []) if not f.get("yanked")]
    else:
        filenames = _LinkTexts.of(response.text)
    versions = sorted({v for v in (_version_of(f) for f in filenames) if v is not None}, reverse=True)
    if not versions:
        return []
    return [{"name": name, "versions": [str(v) for v in versions[:50]], "latest": str(versions[0]),
             "source": source, "match": "exact name"}]


def _version_of(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        if filename.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return None


class _LinkTexts(html.parser.HTMLParser):
    """The file names a PEP 503 page links to."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self._in_link = False

    def handle_starttag(self, tag, attrs):
        self._in_link = tag == "a"

    def handle_endtag(self, tag):
        self._in_link = False

    def handle_data(self, data):
        if self._in_link and data.strip():
            self.names.append(data.strip())

    @classmethod
    def of(cls, text: str) -> list[str]:
        parser = cls()
        parser.feed(text)
        return parser.names
