"""Garbage collection of the compile cache: real folders, real flock locks."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from jupyter_stellascript.execution.compile_cache import COMPLETE_MARKER, CompileCache
from jupyter_stellascript.gc import GarbageCollector, GcLimits, PeriodicCollection, StoreLimits, collect_cache

KIB = 1024
NOW = time.time()


def entry(cache: CompileCache, tmp_path: Path, name: str, size: int, used_ago_s: float) -> str:
    """A stored entry of ``size`` bytes, last used ``used_ago_s`` ago."""
    key = CompileCache.key("go", name, f"package main // {name}", "sha256:image")
    build = tmp_path / f"build-{name}"
    build.mkdir()
    (build / "main").write_bytes(os.urandom(size))
    stored = cache.store(key, build)
    when = NOW - used_ago_s
    os.utime(stored / COMPLETE_MARKER, (when, when))
    return key


@pytest.fixture()
def cache(tmp_path: Path) -> CompileCache:
    return CompileCache(tmp_path / "compile-cache")


def keys(cache: CompileCache) -> set[str]:
    return {item.key for item in cache.entries()}


def test_entries_over_the_cap_are_evicted_least_recently_used_first(cache, tmp_path):
    oldest, older, newer, newest = (entry(cache, tmp_path, name, 10 * KIB, ago)
                                    for name, ago in (("a", 4000), ("b", 3000), ("c", 2000), ("d", 1000)))
    assert [item.size_bytes for item in cache.entries()] == [10 * KIB] * 4  # recorded at store
    report = collect_cache(cache, StoreLimits(max_bytes=25 * KIB, retention_s=None), grace_s=0, now=NOW)
    assert [item.name for item in report.evicted] == [oldest, older]
    assert {item.reason for item in report.evicted} == {"over the size cap"}
    assert keys(cache) == {newer, newest} and report.kept_bytes == 20 * KIB and report.freed_bytes == 20 * KIB
    assert cache.lookup(oldest) is None and cache.lookup(newest) is not None


def test_entries_unused_longer_than_the_retention_go_whatever_the_size(cache, tmp_path):
    stale = entry(cache, tmp_path, "stale", KIB, 40 * 86400)
    fresh = entry(cache, tmp_path, "fresh", KIB, 3600)
    report = collect_cache(cache, StoreLimits(max_bytes=None, retention_s=30 * 86400), grace_s=0, now=NOW)
    assert [(item.name, item.reason) for item in report.evicted] == [(stale, "older than the retention")]
    assert keys(cache) == {fresh}


def test_a_hit_counts_as_a_use(cache, tmp_path):
    first = entry(cache, tmp_path, "first", KIB, 2000)
    second = entry(cache, tmp_path, "second", KIB, 1000)
    assert cache.lookup(first) is not None  # now the most recently used
    collect_cache(cache, StoreLimits(max_bytes=KIB, retention_s=None), grace_s=0)
    assert keys(cache) == {first} and second not in keys(cache)


def test_a_locked_entry_survives_and_goes_once_released(cache, tmp_path):
    locked = entry(cache, tmp_path, "locked", KIB, 5000)
    other = entry(cache, tmp_path, "other", KIB, 4000)
    limits = StoreLimits(max_bytes=0, retention_s=None)
    with cache.locked(locked):  # a compile (or a lookup) of it is under way
        report = collect_cache(cache, limits, grace_s=0, now=NOW)
    assert report.in_use == [locked] and [item.name for item in report.evicted] == [other]
    assert keys(cache) == {locked}
    assert [item.name for item in collect_cache(cache, limits, grace_s=0, now=NOW).evicted] == [locked]


def test_an_entry_being_installed_survives(cache, tmp_path):
    """An install holds the entry's lock shared for as long as it copies:
    here a second thread installs while the collection runs."""
    key = entry(cache, tmp_path, "installing", 64 * KIB, 5000)
    target_parent = tmp_path / "runs"
    target_parent.mkdir()
    limits = StoreLimits(max_bytes=0, retention_s=None)
    from jupyter_stellascript.execution import compile_cache as module
    started, finish = threading.Event(), threading.Event()
    copy = module.shutil.copytree

    def slow_copytree(*args, **kwargs):  # the real copy, held open until the collection has run
        started.set()
        finish.wait(10)
        return copy(*args, **kwargs)

    installer = threading.Thread(target=lambda: CompileCache.install(cache.lookup(key), target_parent / "build"))
    module.shutil.copytree = slow_copytree
    try:
        installer.start()
        assert started.wait(10)
        report = collect_cache(cache, limits, grace_s=0, now=NOW)
    finally:
        finish.set()
        installer.join(10)
        module.shutil.copytree = copy
    assert report.in_use == [key] and not report.evicted
    assert (target_parent / "build" / "main").stat().st_size == 64 * KIB


def test_recent_uses_are_kept_within_the_grace_period(cache, tmp_path):
    recent = entry(cache, tmp_path, "recent", KIB, 30)
    report = collect_cache(cache, StoreLimits(max_bytes=0, retention_s=None), grace_s=600, now=NOW)
    assert report.in_use == [recent] and keys(cache) == {recent}


def test_a_dry_run_removes_nothing(cache, tmp_path):
    made = {entry(cache, tmp_path, name, KIB, 5000) for name in "abc"}
    report = collect_cache(cache, StoreLimits(max_bytes=0, retention_s=None), grace_s=0, dry_run=True, now=NOW)
    assert report.dry_run and {item.name for item in report.evicted} == made
    assert keys(cache) == made and all(cache.lookup(key) for key in made)


def test_the_periodic_collection_runs_in_the_background(cache, tmp_path):
    key = entry(cache, tmp_path, "periodic", KIB, 5000)
    limits = GcLimits(cache=StoreLimits(0, None), images=StoreLimits(None, None), grace_s=0)
    collection = PeriodicCollection(GarbageCollector(limits, cache), interval_s=0.2)
    collection.start()
    try:
        deadline = time.monotonic() + 10
        while key in keys(cache) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        collection.close()
    assert key not in keys(cache) and collection.collections >= 1
