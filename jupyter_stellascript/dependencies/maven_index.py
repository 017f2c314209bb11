"""A Maven repository's web side: the versions it publishes for an artifact
(its maven-metadata.xml, which any Maven repository serves) and Maven
Central's full-text search (solrsearch, Central's alone; STELLASCRIPT_MAVEN_SEARCH
points elsewhere), for the Java resolver's error messages and search."""

from __future__ import annotations

import os
from xml.etree import ElementTree

import requests

from .base import http_get
from .models import DependencyError, DependencySettings

REGISTRY = "the Maven repository"  # in messages: "the Maven repository <source> could not be reached"
DEFAULT_SEARCH = "https://search.maven.org/solrsearch/select"
SEARCH_ENV = "STELLASCRIPT_MAVEN_SEARCH"


def published_versions(group: str, artifact: str, source: str, settings: DependencySettings) -> list[str] | None:
    """The versions the repository lists for group:artifact (its
    maven-metadata.xml), oldest first; None when it has no such artifact."""
    url = f"{source.rstrip('/')}/{group.replace('.', '/')}/{artifact}/maven-metadata.xml"
    response = http_get(url, settings, registry=REGISTRY, source=source, package=f"{group}:{artifact}")
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise DependencyError(f"{REGISTRY} {source} answered {response.status_code} for {group}:{artifact}",
                              kind="unreachable", package=f"{group}:{artifact}", source=source)
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError as error:
        raise DependencyError(f"{url} is not Maven metadata: {error}", package=f"{group}:{artifact}", source=source) from None
    return [element.text.strip() for element in root.iterfind("./versioning/versions/version") if element.text]


def search_url() -> str:
    return os.environ.get(SEARCH_ENV) or DEFAULT_SEARCH


def search_central(query: str, settings: DependencySettings, rows: int = 20) -> list[dict]:
    url = search_url()
    try:
        response = requests.get(url, params={"q": query, "rows": rows, "wt": "json"}, timeout=30,
                                verify=settings.tls_verify)
    except requests.RequestException as error:
        raise DependencyError(
            f"Maven Central's search ({url}) could not be reached: {type(error).__name__}; "
            "searching by exact coordinates (group:artifact) asks the Maven repository itself",
            kind="unreachable", source=url) from None
    if response.status_code != 200:
        raise DependencyError(f"Maven Central's search ({url}) answered {response.status_code}",
                              kind="unreachable", source=url)
    try:
        documents = response.json()["response"]["docs"]
    except (ValueError, KeyError, TypeError) as error:
        raise DependencyError(f"Maven Central's search ({url}) answered something that is not a search result: {error}",
                              source=url) from None
    return [{"name": f"{doc['g']}:{doc['a']}", "versions": [doc["latestVersion"]], "latest": doc["latestVersion"],
             "source": url, "match": "search"}
            for doc in documents if {"g", "a", "latestVersion"} <= doc.keys()]
