"""Sizes and durations as people write them: 512m, 1g, 30s, 5m, 500ms."""

from __future__ import annotations

import re

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg])?(?:i?b)?\s*$", re.I)
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$", re.I)
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}


def parse_size(text: str | int) -> int:
    """Bytes from '256m', '1g', '512MiB' or a plain number of bytes."""
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a size like 256m or 1g")
    return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "").lower()])


def parse_duration(text: str | float) -> float:
    """Seconds from '30s', '5m', '1.5h', '30d', '500ms' or a plain number of seconds."""
    match = _DURATION.match(str(text))
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a duration like 30s, 5m or 500ms")
    return float(match.group(1)) * _DURATION_UNITS[(match.group(2) or "").lower()]
