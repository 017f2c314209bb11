"""Collecting the compile cache: its entries by last use (a hit touches them)."""

from __future__ import annotations

import time

from ..execution.compile_cache import CompileCache
from .models import Candidate, StoreLimits, StoreReport, collect

STORE = "compile cache"
# Folders a crashed store or eviction left: surely abandoned after this long.
STALE_STAGING_S = 3600.0


def collect_cache(cache: CompileCache, limits: StoreLimits, *, grace_s: float, dry_run: bool = False,
                  now: float | None = None) -> StoreReport:
    candidates = [Candidate(entry.key, entry.size_bytes, entry.last_used, entry.key) for entry in cache.entries()]
    report = collect(STORE, candidates, limits, now=time.time() if now is None else now, grace_s=grace_s,
                     remove=lambda candidate: cache.evict(candidate.handle, dry_run=dry_run), dry_run=dry_run)
    if not dry_run:
        cache.remove_stale_staging(STALE_STAGING_S)
    return report
