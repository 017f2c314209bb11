"""Running the same task from several threads at once, for tests of "only once"."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def run_concurrently(task: Callable[[], T], times: int, timeout_s: float) -> list[T]:
    """Start ``task`` in ``times`` threads released together; their results,
    in start order. The first error any thread raised is raised here."""
    barrier = threading.Barrier(times)

    def released() -> T:
        barrier.wait(timeout=30)
        return task()

    with ThreadPoolExecutor(max_workers=times) as pool:
        futures = [pool.submit(released) for _ in range(times)]
        return [future.result(timeout=timeout_s) for future in futures]
