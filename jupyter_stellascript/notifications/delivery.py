"""Sending one notification webhook: bounded retries with backoff, each attempt time-limited.

HttpSender is the swappable part (c.StellaScript.notification_sender_class):
it posts JSON and returns the status code, raising on a connection failure
or a timeout. ``deliver`` retries what failed, doubling the wait from
``backoff_s`` (at most MAX_BACKOFF_S), ``retries`` times at most.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

MAX_BACKOFF_S = 30.0


class HttpSender:
    """POSTs a JSON body to a URL and says what the receiver answered."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s

    def post(self, url: str, body: dict[str, Any]) -> int:
        # The (connect, read) limit bounds a receiver that accepts and never answers.
        response = requests.post(url, json=body, timeout=(min(self.timeout_s, 5.0), self.timeout_s),
                                 headers={"User-Agent": "stellascript-notifications"}, allow_redirects=False)
        response.close()
        return response.status_code


def backoff_wait(backoff_s: float, attempt: int) -> float:
    """The wait after failed attempt number ``attempt`` (1-based): doubling from ``backoff_s``, capped."""
    return min(backoff_s * 2 ** (attempt - 1), MAX_BACKOFF_S)


@dataclass
class Attempts:
    delivered: bool
    attempts: int
    response_status: int | None
    error: str | None


def deliver(sender: HttpSender, url: str, body: dict[str, Any], retries: int, backoff_s: float,
            on_attempt: Callable[[int, int | None, str | None], None] | None = None,
            sleep: Callable[[float], None] = time.sleep) -> Attempts:
    """Post until a 2xx answer or ``retries`` retries; errors are the caller's to mask."""
    status: int | None = None
    error: str | None = None
    for attempt in range(1, retries + 2):
        try:
            status = sender.post(url, body)
            error = None if 200 <= status < 300 else f"the receiver answered HTTP {status}"
        except requests.Timeout:
            status, error = None, f"no answer within {sender.timeout_s:g}s"
        except requests.RequestException as failure:
            status, error = None, f"could not reach the receiver: {type(failure).__name__}"
        if on_attempt is not None:
            on_attempt(attempt, status, error)
        if error is None:
            return Attempts(True, attempt, status, None)
        if attempt <= retries:
            sleep(backoff_wait(backoff_s, attempt))
    return Attempts(False, retries + 1, status, error)
