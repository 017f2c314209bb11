"""RunPolicy: what a server allows a run, and the defaults it fills in.

Built once from configuration (``StellaScript.run_policy()``) and shared by
the request edge (a run it refuses is a 400) and the engine (which applies it
to every request, so direct callers such as ``stellascript run`` get the same
rules). Each default and each maximum is worked out here and nowhere else:
the timeout (explicit, else the configured one for the language, else the
language's), the network mode, the resource limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..languages import Language, get_language
from .fields import MIB, InvalidRequest
from ..targets.selection import TargetRules
from .models import ExecutionRequest, NetworkMode, ResourceLimits


class NetworkNotAllowed(ValueError):
    pass


@dataclass(frozen=True)
class RunPolicy:
    default_network_mode: NetworkMode = NetworkMode.NONE
    allow_host_network: bool = False
    allow_bridge_network: bool = True
    # Per-language replacements of the language's own defaults (c.StellaScript.default_timeouts, resource_limits).
    language_timeouts: dict[str, float] = field(default_factory=dict)
    language_limits: dict[str, ResourceLimits] = field(default_factory=dict)
    # None: unbounded (a person running a script on their own machine).
    max_timeout_s: float | None = None
    max_memory_bytes: int | None = None
    max_cpus: float | None = None
    # How many arguments and environment variables a run may have, and their
    # UTF-8 bytes in all (names and values): they are stored with the record
    # and written into the container.
    max_arguments: int | None = None
    max_arguments_bytes: int | None = None
    max_environment_variables: int | None = None
    max_environment_bytes: int | None = None
    # Which containers may be targets, and for which teams (c.StellaScript.target_selector, allowed_targets).
    targets: TargetRules = field(default_factory=TargetRules)

    def __post_init__(self) -> None:
        self.check_network(self.default_network_mode)  # a default that is refused would refuse every run

    # -- defaults ----------------------------------------------------------------------

    def timeout_for(self, language: Language) -> float:
        return self.language_timeouts.get(language.name, language.default_timeout_s)

    def limits_for(self, language: Language, memory_bytes: int | None = None, cpus: float | None = None,
                   disk_bytes: int | None = None) -> ResourceLimits:
        base = self.language_limits.get(language.name, language.default_limits)
        return base.with_overrides(memory_bytes, cpus, disk_bytes)

    # -- rules ---------------------------------------------------------------------------

    def check_network(self, mode: NetworkMode) -> None:
        if mode is NetworkMode.HOST and not self.allow_host_network:
            raise NetworkNotAllowed("network mode 'host' is not allowed on this server "
                                    "(an administrator can set c.StellaScript.allow_host_network = True)")
        if mode is NetworkMode.BRIDGE and not self.allow_bridge_network:
            raise NetworkNotAllowed("network mode 'bridge' is not allowed on this server")

    def resolve(self, request: ExecutionRequest) -> ExecutionRequest:
        """The request with every default filled in, or InvalidRequest listing
        what this server does not allow. Resolving twice changes nothing."""
        language = get_language(request.language)
        problems = []
        timeout_s = request.timeout_s if request.timeout_s is not None else self.timeout_for(language)
        # A syntax check (check_only) is the server's own work, with its own timeout: not a run a caller asked for.
        if self.max_timeout_s is not None and timeout_s > self.max_timeout_s and not request.check_only:
            problems.append({"field": "timeout", "message": f"timeout must be a number of seconds in (0, {self.max_timeout_s:g}]"})
        if self.max_memory_bytes is not None and request.memory_bytes is not None and request.memory_bytes > self.max_memory_bytes:
            problems.append({"field": "memory", "message": f"memory {_mib(request.memory_bytes)} is above this server's maximum of "
                                                          f"{_mib(self.max_memory_bytes)} (c.StellaScript.max_memory)"})
        if self.max_cpus is not None and request.cpus is not None and request.cpus > self.max_cpus:
            problems.append({"field": "cpus", "message": f"cpus {request.cpus:g} is above this server's maximum of "
                                                        f"{self.max_cpus:g} (c.StellaScript.max_cpus)"})
        if request.disk_bytes is not None:
            memory_bytes = self.limits_for(language, request.memory_bytes).memory_bytes
            if request.disk_bytes > memory_bytes // 2:
                problems.append({"field": "disk", "message": f"disk {_mib(request.disk_bytes)} is more than half the run's memory "
                                                            f"of {_mib(memory_bytes)}: /work is a tmpfs charged to the memory; "
                                                            "ask for more memory or less disk"})
        problems += _map_problems("arguments", request.arguments, self.max_arguments, self.max_arguments_bytes)
        problems += _map_problems("environment", request.environment, self.max_environment_variables, self.max_environment_bytes)
        network_mode = request.network_mode or self.default_network_mode
        if request.target is not None:
            # NONE is what resolving a targeted request fills in (resolving twice changes nothing).
            if request.network_mode not in (None, NetworkMode.NONE):
                problems.append({"field": "network_mode", "message": "target and network_mode exclude each other: "
                                                                    "a run with a target has the target's network"})
            network_mode = NetworkMode.NONE  # never used: the run joins the target's network namespace
        try:
            self.check_network(network_mode)
        except NetworkNotAllowed as error:
            problems.append({"field": "network_mode", "message": str(error)})
        if problems:
            raise InvalidRequest(problems)
        return request.model_copy(update={"timeout_s": timeout_s, "network_mode": network_mode})


def _map_problems(field: str, values: dict[str, str], max_count: int | None, max_bytes: int | None) -> list[dict[str, str]]:
    """A run's arguments or environment against the server's caps (c.StellaScript.max_<field>...)."""
    plural, count_setting = ("arguments", "max_arguments") if field == "arguments" else (
        "environment variables", "max_environment_variables")
    problems = []
    if max_count is not None and len(values) > max_count:
        problems.append({"field": field, "message": f"{len(values)} {plural} are more than this server's maximum of "
                                                    f"{max_count} (c.StellaScript.{count_setting})"})
    size = sum(len(name.encode()) + len(value.encode()) for name, value in values.items())
    if max_bytes is not None and size > max_bytes:
        problems.append({"field": field, "message": f"{plural} of {size} bytes in all (names and values) are more than "
                                                    f"this server's maximum of {max_bytes} (c.StellaScript.max_{field}_size)"})
    return problems


def _mib(size: int) -> str:
    return f"{size / MIB:g} MiB"
