"""Target containers: what a run names (``target: {container: NAME_OR_ID}``)
and what it is told about the target (``/scripts/target.json``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

# Docker's and Podman's rule for a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*); an id (or its prefix) fits it too.
CONTAINER_REFERENCE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,253}$"
TARGET_FILE = "target.json"


class TargetReference(BaseModel):
    """The container a run checks: it joins that container's network namespace (localhost is the target)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    container: Annotated[str, Field(pattern=CONTAINER_REFERENCE, description="The target container's name or id.")]


@dataclass(frozen=True)
class TargetDescription:
    """A target as /scripts/target.json describes it: no environment values, ever."""

    id: str
    name: str
    image: str
    labels: dict[str, str]
    state: str
    health: str | None
    exposed_ports: list[str]
    environment_names: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, inspected: dict[str, Any]) -> "TargetDescription":
        """From the engine's inspection of the container (Docker Engine's and Podman's shape)."""
        config = inspected.get("Config") or {}
        state = inspected.get("State") or {}
        health = state.get("Health") or state.get("Healthcheck") or {}
        ports = set((config.get("ExposedPorts") or {}).keys())
        ports |= set(((inspected.get("NetworkSettings") or {}).get("Ports") or {}).keys())
        return cls(
            id=inspected["Id"],
            name=str(inspected.get("Name") or "").lstrip("/"),
            image=str(config.get("Image") or inspected.get("ImageName") or inspected.get("Image") or ""),
            labels=dict(config.get("Labels") or {}),
            state=str(state.get("Status") or ""),
            health=health.get("Status") or None,
            exposed_ports=sorted(ports),
            # NAME=value: only the name leaves this function.
            environment_names=sorted({entry.split("=", 1)[0] for entry in config.get("Env") or [] if entry}),
        )
