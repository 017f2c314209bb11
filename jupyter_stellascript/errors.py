"""Failures a request can meet, each mapping to one HTTP status in the handlers."""

from __future__ import annotations


class RegistryError(Exception):
    status = 400
    # Fields a 4xx answer carries beside status and message (e.g. the id of
    # the script a duplicate name belongs to, an ambiguous name's candidates).
    details: dict = {}


class ValidationFailed(RegistryError):
    """Invalid input; ``errors`` lists every problem found, not just the first."""

    status = 400

    def __init__(self, errors: list[dict]) -> None:
        super().__init__("; ".join(error["message"] for error in errors))
        self.errors = errors


class NotFound(RegistryError):
    status = 404


class Forbidden(RegistryError):
    status = 403


class Unauthenticated(RegistryError):
    status = 401


class Conflict(RegistryError):
    status = 409

    def __init__(self, message: str, **details) -> None:
        super().__init__(message)
        self.details = details


class Unavailable(RegistryError):
    """Something the request needs is not ready yet (the container engine starting): try again."""

    status = 503
