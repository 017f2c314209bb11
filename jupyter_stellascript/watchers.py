"""Run watchers: who is told when a run starts and ends (notifications, for now).

A watcher is called with (event, run id), event "start" or "end", in the
thread that runs the run: it must hand anything slow to a thread of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

RunWatcher = Callable[[str, str], None]


class RunWatchers(list[RunWatcher]):
    """The watchers of one kind of run; ``tell`` calls each, and a watcher's bug never reaches the run."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def tell(self, event: str, run_id: str) -> None:
        for watcher in list(self):
            try:
                watcher(event, run_id)
            except Exception:  # a watcher's bug must not touch the run
                log.exception("a %s watcher failed on %s of %s", self.kind, event, run_id)
