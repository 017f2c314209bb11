"""The one paging rule of every list endpoint (scripts, executions).

``limit`` is 1..500 (default 50) and ``offset`` at least 0; anything else is
a 400 naming the field, never a silent clamp or an empty page. Both the
registry and the execution manager take their page through :meth:`Page.of`,
so the rule cannot drift between them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 2**63 - 1


@dataclass(frozen=True)
class Page:
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    @classmethod
    def of(cls, limit: int = DEFAULT_LIMIT, offset: int = 0) -> "Page":
        problems = []
        if not 1 <= limit <= MAX_LIMIT:
            problems.append({"field": "limit", "message": f"limit must be between 1 and {MAX_LIMIT}, not {limit}"})
        if offset < 0:
            problems.append({"field": "offset", "message": f"offset must be 0 or more, not {offset}"})
        elif offset > MAX_OFFSET:  # past what the databases' 64-bit integers hold
            problems.append({"field": "offset", "message": f"offset must be at most {MAX_OFFSET}"})
        if problems:
            raise ValidationFailed(problems)
        return cls(limit, offset)
