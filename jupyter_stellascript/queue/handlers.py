"""GET {base}stellascript/api/v1/workers: the executors alive, and what they run."""

from __future__ import annotations

from ..errors import Unauthenticated
from ..handlers.base import StellaHandler


class WorkersHandler(StellaHandler):
    def get(self) -> None:
        # Hosts and engines are an operator's business: not for anonymous callers.
        if not self.caller.authenticated:
            raise Unauthenticated("listing workers needs an authenticated user")
        self.send_json({"items": self.stella.executions.queue.workers.listing()})


def queue_routes(prefix: str) -> list[tuple[str, type]]:
    return [(rf"{prefix}/workers/?", WorkersHandler)]
