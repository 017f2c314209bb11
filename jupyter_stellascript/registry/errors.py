"""The registry's failures: the service-wide ones (errors.py), by their old address."""

from ..errors import Conflict, Forbidden, NotFound, RegistryError, Unauthenticated, ValidationFailed

__all__ = ["Conflict", "Forbidden", "NotFound", "RegistryError", "Unauthenticated", "ValidationFailed"]
