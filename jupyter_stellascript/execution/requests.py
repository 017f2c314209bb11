"""The REST bodies that start a run, one model each.

POST /scripts/{id}/execute takes an ExecuteBody, POST /scripts/executions an
AdhocBody. Handlers parse them (StellaHandler.parse: a 400 listing every
field's problem), the execution manager turns them into an ExecutionRequest
and lets the RunPolicy fill in the server's defaults. openapi.json's
ExecuteRequest and AdhocExecuteRequest schemas are generated from them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..secrets.models import MAX_SECRETS_PER_RUN, EnvName, SecretReference
from ..targets.models import TargetReference
from .fields import Arguments, Content, Cpus, DiskBytes, Environment, LanguageName, MemoryBytes, Seconds, entry_point_field
from ..queue.models import QueueOptions
from .models import ExecutionRequest, NetworkMode


class RunOptions(QueueOptions):
    """What any run may ask for; left out, the server's defaults apply."""

    # Fields the API does not know are ignored, as they always were.
    model_config = ConfigDict(extra="ignore")

    arguments: Arguments = Field(default_factory=dict)
    environment: Environment = Field(default_factory=dict)
    timeout: Seconds | None = Field(
        default=None, description="Seconds; default: the server's for the language. At most the server's max_timeout.")
    memory: MemoryBytes | None = Field(default=None, description="Memory limit (default: the language's); at most the server's max_memory.")
    cpus: Cpus | None = Field(default=None, description="CPU quota in cores (default: the language's); at most the server's max_cpus.")
    disk: DiskBytes | None = Field(default=None, description="Size of /work, the run's only writable folder besides /tmp: a tmpfs "
                                   "charged to its memory (default: the language's); at most half the run's memory.")
    network_mode: NetworkMode | None = Field(
        default=None, description="Default: the server's (none unless configured). host is refused unless the server allows host networking.")

    target: TargetReference | None = Field(
        default=None, description="A target container to check: the run joins its network namespace (localhost is the "
                                  "target) and reads /scripts/target.json. It must carry the server's target labels, be "
                                  "running and be allowed for the caller's teams. Excludes network_mode.")

    secrets: dict[EnvName, SecretReference] = Field(
        default_factory=dict, max_length=MAX_SECRETS_PER_RUN,
        description="Secrets for the run: {ENV_VAR: secret name or owner/name}. Each is delivered as the file "
                    "/run/secrets/<name> (read-only, gone after the run) and as the variable; the caller must be "
                    "allowed to use it. Values are masked (***) in the run's output.")

    @field_validator("arguments", "environment", "secrets", "tags", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="after")
    def _target_has_its_own_network(self) -> "RunOptions":
        if self.target is not None and self.network_mode is not None:
            raise ValueError("target and network_mode exclude each other: a run with a target has the target's network")
        return self

    @model_validator(mode="after")
    def _secret_variables_are_not_also_environment(self) -> "RunOptions":
        both = sorted(set(self.secrets) & set(self.environment))
        if both:
            raise ValueError(f"{', '.join(both)}: set both in environment and in secrets")
        return self

    def request(self, language: str, source: str, entry_point: str | None, **script: Any) -> ExecutionRequest:
        """The engine's request for this body and a script (language, source, dependencies...)."""
        return ExecutionRequest(
            language=language, source=source, entry_point=entry_point,
            arguments=self.arguments, environment=self.environment,
            timeout_s=self.timeout, memory_bytes=self.memory, cpus=self.cpus, disk_bytes=self.disk,
            network_mode=self.network_mode, target=self.target.container if self.target else None,
            secret_environment=self.secrets, **script,
        )


class ExecuteBody(RunOptions):
    """Run a registry script."""

    version: str | None = Field(default=None, description="The version to run (default: the latest).")


class AdhocBody(RunOptions):
    """Run content sent with the request (an authenticated caller only)."""

    language: LanguageName
    content: Content = Field(description="The source to run: UTF-8 text without NUL bytes, at most 1 MiB. It is not syntax-checked "
                                         "beforehand: a compile error ends the run Failed with the compiler's output.")
    entry_point: str | None = Field(default=None, validate_default=True,
                                    description="The file name to stage the content as (default: the language's).")

    _entry_point = entry_point_field("language", "content")
