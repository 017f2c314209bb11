"""Who is asking: the identity every registry and execution call carries."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Caller:
    """A user as Stella Script sees them. ``name`` is None for anonymous callers."""

    name: str | None
    teams: frozenset[str] = field(default_factory=frozenset)
    admin: bool = False

    @property
    def authenticated(self) -> bool:
        return self.name is not None

    @property
    def label(self) -> str:
        return self.name or "anonymous"


ANONYMOUS = Caller(name=None)
