"""The script registry: versioned, content-addressed scripts with visibility."""

from .manager import ScriptRegistry
from .errors import Conflict, Forbidden, NotFound, ValidationFailed

__all__ = ["Conflict", "Forbidden", "NotFound", "ScriptRegistry", "ValidationFailed"]
