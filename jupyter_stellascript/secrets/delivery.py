"""A secret as one run receives it: which one, which version, where, and its value.

The value never leaves the server's memory except into the run's container:
it is not part of repr(), of a model dump, or of anything stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Where a run finds its secrets, one file per secret name (a tmpfs of the run's own container).
SECRETS_DIR = "/run/secrets"


@dataclass(frozen=True)
class DeliveredSecret:
    name: str
    owner: str
    version: int
    # The environment variable it is also delivered as (None: the file only).
    env: str | None = None
    value: str = field(default="", repr=False, compare=False)

    def usage(self) -> dict:
        """What an execution record keeps of it: never the value."""
        return {"name": self.name, "owner": self.owner, "version": self.version, "env": self.env}
