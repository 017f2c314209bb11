"""What garbage collection is given (limits) and what it reports, and the one
rule both stores follow: evict what is older than the retention, then the
least recently used until the store fits its size cap, never what is in use
or was used within the grace period."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# An artifact handed to a run a moment ago may not be in use visibly yet (a
# cache entry looked up but not yet copied, an image whose container is not
# yet created): such recent uses are never evicted.
DEFAULT_GRACE_S = 600.0


@dataclass(frozen=True)
class StoreLimits:
    max_bytes: int | None  # None: no size cap
    retention_s: float | None  # None: no age limit


@dataclass(frozen=True)
class GcLimits:
    cache: StoreLimits
    images: StoreLimits
    grace_s: float = DEFAULT_GRACE_S


@dataclass(frozen=True)
class Candidate:
    """One artifact a store may evict."""

    name: str  # what it is, for the report (a cache key, an image's names)
    size_bytes: int
    last_used: float  # seconds since the epoch
    handle: object = None  # what the store's remover needs


@dataclass(frozen=True)
class Evicted:
    name: str
    size_bytes: int
    reason: str  # "older than the retention" or "over the size cap"


@dataclass
class StoreReport:
    store: str  # "compile cache" or "derived images"
    dry_run: bool
    evicted: list[Evicted] = field(default_factory=list)
    in_use: list[str] = field(default_factory=list)  # wanted out, but in use: kept
    kept_bytes: int = 0
    error: str | None = None  # the store could not be collected (e.g. no engine)

    @property
    def freed_bytes(self) -> int:
        return sum(item.size_bytes for item in self.evicted)

    def to_dict(self) -> dict:
        return {"store": self.store, "dry_run": self.dry_run, "freed_bytes": self.freed_bytes,
                "kept_bytes": self.kept_bytes, "in_use": list(self.in_use), "error": self.error,
                "evicted": [{"name": e.name, "size_bytes": e.size_bytes, "reason": e.reason} for e in self.evicted]}


OLD = "older than the retention"
OVER = "over the size cap"


def collect(store: str, candidates: Iterable[Candidate], limits: StoreLimits, *, now: float, grace_s: float,
            remove: Callable[[Candidate], bool], dry_run: bool) -> StoreReport:
    """Evict by ``limits``, least recently used first. ``remove`` removes one
    (or, in a dry run, only says whether it could) and answers False for one
    in use."""
    ordered = sorted(candidates, key=lambda candidate: candidate.last_used)
    total = sum(candidate.size_bytes for candidate in ordered)
    report = StoreReport(store, dry_run)
    for candidate in ordered:
        age = now - candidate.last_used
        if limits.retention_s is not None and age > limits.retention_s:
            reason = OLD
        elif limits.max_bytes is not None and total > limits.max_bytes:
            reason = OVER
        else:
            continue
        if age < grace_s or not remove(candidate):
            report.in_use.append(candidate.name)
            continue
        total -= candidate.size_bytes
        report.evicted.append(Evicted(candidate.name, candidate.size_bytes, reason))
    report.kept_bytes = total
    return report
