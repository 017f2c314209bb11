"""Semantic versions of scripts: 1.0.0 first, then major/minor/patch bumps."""

from __future__ import annotations

import re
from typing import NamedTuple

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
BUMPS = ("major", "minor", "patch")
FIRST_VERSION = "1.0.0"


class Version(NamedTuple):
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def bump(self, part: str) -> "Version":
        if part == "major":
            return Version(self.major + 1, 0, 0)
        if part == "minor":
            return Version(self.major, self.minor + 1, 0)
        if part == "patch":
            return Version(self.major, self.minor, self.patch + 1)
        raise ValueError(f"version_bump must be one of {', '.join(BUMPS)}, not {part!r}")


def parse_version(text: str) -> Version:
    match = _SEMVER.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a version like 1.2.3")
    return Version(*(int(part) for part in match.groups()))
