"""``c.StellaScript``: every setting of the extension, as traitlets.

The names mirror the design's ``script_engine:`` tree (languages, execution,
library). Invalid values stop start-up with a message naming the setting.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from traitlets import Bool, Dict, Enum, Float, Int, List, TraitError, Type, Unicode, default, validate
from traitlets.config import Configurable

from .structured_logs import LEVELS as LOG_LEVELS
from .dependencies.models import (
    ALLOWED_HOSTS_ENV,
    CA_BUNDLE_ENV,
    DEFAULT_ALLOWED_HOSTS,
    NETWORK_ENV,
    RELAY_IMAGE,
    RESOLVE_NETWORKS,
    HOST_CA_BUNDLE,
    PACKAGE_SOURCES,
    TIMEOUT_ENV,
    DependencySettings,
    source_default,
)
from .execution.engine import EngineSettings
from .execution.models import NetworkMode
from .execution.policy import RunPolicy
from .gc.models import GcLimits, StoreLimits
from .languages import LANGUAGES
from .languages.base import PoolDefaults
from .paths import data_dir, temp_dir
from .targets.selection import DEFAULT_SELECTOR as DEFAULT_TARGET_SELECTOR, TargetRules

GC_INTERVAL_ENV = "STELLASCRIPT_GC_INTERVAL"
from .units import parse_duration, parse_size


class StellaScript(Configurable):
    """Stella Script's settings (``c.StellaScript.<name>`` in jupyter_server_config.py)."""

    db_url = Unicode(
        "", config=True,
        help="SQLAlchemy URL of the database. Empty: SQLite under the data directory. "
        "Teams use PostgreSQL, e.g. postgresql+psycopg://user@host/stellascript.",
    )
    data_dir = Unicode("", config=True, help="Data directory (default: $STELLASCRIPT_DATA or Jupyter's data dir).")
    docker_host = Unicode("", config=True, help="Docker Engine API URL (default: DOCKER_HOST, the Docker socket, or a Podman service started on demand).")
    secret_key_file = Unicode(
        "", config=True,
        help="File holding the key(s) that encrypt secret values, one Fernet key per line (the first encrypts). "
        "Default: secret.key in the data directory, created with mode 0600 on first start. Servers sharing a "
        "database share this file; a missing or wrong key stops start-up. Rotate with `stellascript secrets rotate-key`.",
    )
    workspace_dir = Unicode(
        "", config=True,
        help="Folder (inside the Jupyter root dir) where JupyterLab's editor opens scripts as files. "
        "Default: <root_dir>/stellascripts.",
    )
    samples_dir = Unicode(
        "", config=True,
        help="The sample library users clone: a folder laid out as samples/README.md says (samples.toml and "
        "<language>/<file>). Default: the samples shipped with Stella Script.",
    )

    # -- script_engine.languages ----------------------------------------------------
    runtime_images = Dict(
        {}, config=True,
        help="Runtime image per language, e.g. {'csharp': 'stella-runtime/csharp-dotnet:latest'}.",
    )
    default_timeouts = Dict({}, config=True, help="Default timeout per language, e.g. {'java': '10m'}.")
    resource_limits = Dict(
        {}, config=True,
        help="Resource limits per language, e.g. {'bash': {'cpu': '0.5', 'memory': '256m', 'disk': '64m'}} "
        "(disk: the size of /work, a tmpfs charged to the memory, at most half of it).",
    )
    disabled_languages = Dict({}, config=True, help="Languages to refuse, e.g. {'csharp': True}.")
    typescript_type_check = Enum(
        ["warn", "error"], "warn", config=True,
        help="'warn': TypeScript type errors are reported (beside the run, and as save-time warnings) and the script "
        "runs, as tsc, Deno, Bun and tsx do; 'error': they fail the compile. A script's own '[typescript] type_check' "
        "in its /// stellascript block wins. Syntax errors always fail.",
    )

    # -- script_engine.execution ----------------------------------------------------
    max_concurrent = Int(10, config=True, help="Executions running at once; the rest queue in order.")
    default_network_mode = Unicode("none", config=True, help="Network mode of a run that asks for none: none, bridge or host.")
    allow_host_network = Bool(False, config=True, help="Allow runs to ask for host networking.")
    target_selector = Dict(
        dict(DEFAULT_TARGET_SELECTOR), config=True,
        help="Labels a container must carry (every one, with these values) to be a run's target "
        "(target: {container: NAME_OR_ID}). Stella Script's own containers never are.",
    )
    allowed_targets = Dict(
        {"*": ["*"]}, config=True,
        help="Per team, the target container names (fnmatch patterns) its members may run against, e.g. "
        "{'ops': ['web-*'], 'release': ['api']}; the team '*' is every authenticated user. Admins may use any target.",
    )
    temp_path = Unicode(config=True, help="Where per-container folders live (default: $STELLASCRIPT_TEMP or /tmp/stella-scripts).")
    output_cap = Unicode("1m", config=True, help="Most stdout (and, separately, stderr) kept per run.")
    log_level = Enum(list(LOG_LEVELS), "INFO", config=True,
                     help="Level of Stella Script's own log (JSON lines on stderr: one per API request at INFO).")
    max_outputs_bytes = Int(1024 * 1024, config=True,
                            help="Most bytes of the JSON object a run writes to $STELLASCRIPT_OUTPUT (its outputs); "
                            "more fails the run.")
    max_timeout = Unicode("1h", config=True, help="Longest timeout a run may ask for.")
    max_memory = Unicode("8g", config=True, help="Most memory a run may ask for (memory in an execute body), e.g. 8g.")
    max_cpus = Float(4.0, config=True, help="Most CPU cores a run may ask for (cpus in an execute body).")
    max_arguments = Int(256, config=True, help="Most arguments a run may have.")
    max_arguments_size = Unicode("1m", config=True, help="Most bytes a run's arguments may have in all (names and values), e.g. 1m.")
    max_environment_variables = Int(256, config=True, help="Most environment variables a run may set.")
    max_environment_size = Unicode("256k", config=True, help="Most bytes a run's environment may have in all (names and values).")
    backend_class = Type(
        default_value="jupyter_stellascript.execution.backend.LocalBackend",
        klass="jupyter_stellascript.execution.backend.ExecutionBackend",
        config=True,
        help="What runs executions: a subclass of jupyter_stellascript.execution.backend.ExecutionBackend, "
        "built with (config, policy). The default runs them in containers of this host's engine.",
    )

    hub_groups_max_age = Float(0.0, config=True, help="Under JupyterHub: how many seconds a user's groups (their "
                               "teams) and admin flag read from the Hub are reused; 0 asks the Hub on every Stella "
                               "Script request, so a group change applies on the next one.")
    execute_locally = Bool(True, config=True, help="Run executions in this server's own executor (embedded). False: "
                           "only `stellascript worker` processes sharing the database run them.")
    placement_timeout = Unicode("5m", config=True, help="A queued execution whose tags no live worker has for this long "
                                "ends Error no_worker, naming the tags.")

    # -- container_pool ---------------------------------------------------------------
    pool_enabled = Bool(True, config=True, help="Keep warm containers ready.")
    pool_sizes = Dict(
        {}, config=True,
        help="Per language: {'python': {'min_containers': 2, 'max_containers': 10, 'idle_timeout': '5m'}}.",
    )

    # -- library --------------------------------------------------------------------
    # One setting per package source (dependencies/models.py PACKAGE_SOURCES),
    # its default from the environment, else the public registry. Written into
    # the class namespace so that traitlets sees ordinary class attributes.
    for _source in PACKAGE_SOURCES:
        locals()[_source.setting] = Unicode(config=True, help=_source.help)
        locals()[f"_default_{_source.setting}"] = default(_source.setting)(
            lambda self, key=_source.key: source_default(key))
    del _source
    dependency_ca_bundle = Unicode(
        config=True, help=f"CA bundle package managers trust while resolving (default: ${CA_BUNDLE_ENV} or {HOST_CA_BUNDLE}).")
    dependency_timeout = Unicode(config=True, help=f"Time bound of one resolution or derived-image build (default: ${TIMEOUT_ENV} or 10m).")
    dependency_allowed_hosts = List(
        Unicode(), config=True,
        help="Hosts ('host' or 'host:port') a Python resolution may reach besides its package source's "
        f"(default: ${ALLOWED_HOSTS_ENV} or {DEFAULT_ALLOWED_HOSTS}).")
    dependency_network = Unicode(
        config=True, help="Network of Python dependency resolution: 'registries' (network none; only the package "
        f"source and the allowed hosts, through a proxy) or 'host' (default: ${NETWORK_ENV} or registries).")

    @default("dependency_allowed_hosts")
    def _default_allowed_hosts(self):
        return list(DependencySettings().allowed_hosts)

    @default("dependency_network")
    def _default_dependency_network(self):
        return DependencySettings().network

    @validate("dependency_network")
    def _check_dependency_network(self, proposal):
        if proposal["value"] not in RESOLVE_NETWORKS:
            raise TraitError(f"StellaScript.dependency_network must be one of {', '.join(RESOLVE_NETWORKS)}, not {proposal['value']!r}")
        return proposal["value"]


    # -- garbage collection (jupyter_stellascript.gc) ----------------------------------
    cache_max_bytes = Unicode("5g", config=True, help="Size cap of the compile cache: least recently used entries go first.")
    cache_retention = Unicode("30d", config=True, help="Compile-cache entries unused this long are removed.")
    image_max_bytes = Unicode("20g", config=True, help="Size cap of derived dependency images (what each adds to its base image).")
    image_retention = Unicode("30d", config=True, help="Derived dependency images unused this long are removed.")
    gc_interval = Unicode(config=True, help="How often the server collects the compile cache and derived images; "
                          f"'off' never (default: ${GC_INTERVAL_ENV} or 1h).")

    # -- schedules, webhooks and notifications (issue 17) ---------------------------------
    schedule_misfire_grace = Unicode("5s", config=True, help="A due schedule occurrence older than this when a server "
                                     "first sees it was missed (downtime): catch_up decides whether one of them runs.")
    schedules_enabled = Bool(True, config=True, help="Whether this server fires schedules (any server sharing the "
                             "database may; each occurrence fires once).")
    public_url = Unicode("", config=True, help="The server's URL as people reach it, for links in notifications "
                         "(default: the URL the server listens at).")
    notification_timeout = Unicode("10s", config=True, help="How long one notification webhook request may take.")
    notification_retries = Int(3, config=True, help="Retries of a failed notification webhook (then it is logged as failed).")
    notification_backoff = Unicode("1s", config=True, help="The first retry's wait; it doubles, at most 30s.")
    notification_lease = Unicode("60s", config=True, help="How long a server sending a notification holds it without "
                                 "news (every attempt renews it): a pending delivery past its lease, its server stopped, "
                                 "is finished by another server.")
    notification_sender_class = Type(
        "jupyter_stellascript.notifications.delivery.HttpSender", klass="jupyter_stellascript.notifications.delivery.HttpSender",
        config=True, help="What posts notification webhooks (a subclass of HttpSender).")

    @default("gc_interval")
    def _default_gc_interval(self):
        return os.environ.get(GC_INTERVAL_ENV) or "1h"

    @default("dependency_ca_bundle")
    def _default_ca_bundle(self):
        return DependencySettings().ca_bundle

    @default("dependency_timeout")
    def _default_dependency_timeout(self):
        return f"{DependencySettings().timeout_s:g}s"

    @validate("target_selector")
    def _check_target_selector(self, proposal):
        if not proposal["value"] or not all(isinstance(k, str) and k and isinstance(v, str) for k, v in proposal["value"].items()):
            raise TraitError("StellaScript.target_selector must map at least one label to its value (text), "
                             "e.g. {'io.stellascript.target': 'true'}")
        return proposal["value"]

    @validate("allowed_targets")
    def _check_allowed_targets(self, proposal):
        for team, names in proposal["value"].items():
            if not isinstance(team, str) or not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
                raise TraitError(f"StellaScript.allowed_targets: {team!r} must map to a list of container names or patterns")
        return proposal["value"]

    @validate("max_concurrent")
    def _check_max_concurrent(self, proposal):
        if proposal["value"] < 1:
            raise TraitError("StellaScript.max_concurrent must be at least 1")
        return proposal["value"]

    @validate("default_network_mode")
    def _check_network_mode(self, proposal):
        try:
            NetworkMode(proposal["value"])
        except ValueError:
            raise TraitError(f"StellaScript.default_network_mode must be none, bridge or host, not {proposal['value']!r}") from None
        return proposal["value"]

    @validate("runtime_images", "default_timeouts", "resource_limits", "pool_sizes", "disabled_languages")
    def _check_language_keys(self, proposal):
        unknown = sorted(set(proposal["value"]) - set(LANGUAGES))
        if unknown:
            raise TraitError(f"StellaScript.{proposal['trait'].name}: unknown language(s) {', '.join(unknown)}; known: {', '.join(LANGUAGES)}")
        return proposal["value"]

    def check(self) -> None:
        """Parse every value once so that a bad one fails start-up, not a run."""
        problems = []
        for name in ("output_cap", "max_memory", "max_arguments_size", "max_environment_size"):
            try:
                parse_size(getattr(self, name))
            except ValueError as error:
                problems.append(f"StellaScript.{name}: {error}")
        for name in ("cache_max_bytes", "image_max_bytes"):
            try:
                parse_size(getattr(self, name))
            except ValueError as error:
                problems.append(f"StellaScript.{name}: {error}")
        for name in ("max_timeout", "dependency_timeout", "cache_retention", "image_retention", "schedule_misfire_grace",
                     "notification_timeout", "notification_backoff", "notification_lease", "placement_timeout") + (
                () if self.gc_interval == "off" else ("gc_interval",)):
            try:
                parse_duration(getattr(self, name))
            except ValueError as error:
                problems.append(f"StellaScript.{name}: {error}")
        for source in PACKAGE_SOURCES:
            problems += [f"StellaScript.{source.setting}: {problem}" for problem in source.check(getattr(self, source.setting))]
        for language, value in self.default_timeouts.items():
            try:
                parse_duration(value)
            except ValueError as error:
                problems.append(f"StellaScript.default_timeouts[{language!r}]: {error}")
        for language, limits in self.resource_limits.items():
            if not isinstance(limits, dict) or set(limits) - {"cpu", "memory", "pids", "disk"}:
                problems.append(f"StellaScript.resource_limits[{language!r}] must be a dict with cpu, memory, pids and/or disk")
                continue
            try:
                for size in ("memory", "disk"):
                    if size in limits:
                        parse_size(limits[size])
                if "cpu" in limits and not 0 < float(limits["cpu"]) <= 64:
                    raise ValueError(f"cpu {limits['cpu']!r} must be between 0 and 64")
            except ValueError as error:
                problems.append(f"StellaScript.resource_limits[{language!r}]: {error}")
        for name in ("max_arguments", "max_environment_variables"):
            if getattr(self, name) < 0:
                problems.append(f"StellaScript.{name}: {getattr(self, name)} must be 0 or more")
        if self.max_cpus <= 0:
            problems.append(f"StellaScript.max_cpus: {self.max_cpus:g} must be more than 0")
        if not problems:
            try:
                self.run_policy()
            except ValueError as error:  # e.g. a default network mode the server refuses
                problems.append(f"StellaScript.default_network_mode: {error}")
        if problems:
            raise TraitError("invalid Stella Script configuration:\n  " + "\n  ".join(problems))

    @default("temp_path")
    def _default_temp_path(self) -> str:
        return str(temp_dir())  # $STELLASCRIPT_TEMP, as for every other command

    # -- derived --------------------------------------------------------------------

    def resolved_data_dir(self) -> Path:
        path = Path(self.data_dir) if self.data_dir else data_dir()
        path.mkdir(parents=True, exist_ok=True)
        return path

    def resolved_secret_key_file(self) -> tuple[Path, bool]:
        """The key file, and whether it is the default one (which may be created on first start)."""
        if self.secret_key_file:
            return Path(self.secret_key_file).expanduser(), False
        return self.resolved_data_dir() / "secret.key", True

    def resolved_db_url(self) -> str:
        return self.db_url or f"sqlite:///{self.resolved_data_dir() / 'stellascript.db'}"

    def run_policy(self) -> RunPolicy:
        """What runs may ask for and the defaults they get: built once, shared by
        the request edge and the engine."""
        limits = {}
        for language, values in self.resource_limits.items():
            base = LANGUAGES[language].default_limits
            limits[language] = dataclasses.replace(
                base,
                memory_bytes=parse_size(values["memory"]) if "memory" in values else base.memory_bytes,
                cpus=float(values["cpu"]) if "cpu" in values else base.cpus,
                pids=int(values["pids"]) if "pids" in values else base.pids,
                work_bytes=parse_size(values["disk"]) if "disk" in values else base.work_bytes,
            )
        return RunPolicy(
            default_network_mode=NetworkMode(self.default_network_mode),
            allow_host_network=self.allow_host_network,
            language_timeouts={name: parse_duration(value) for name, value in self.default_timeouts.items()},
            language_limits=limits,
            max_timeout_s=parse_duration(self.max_timeout),
            max_memory_bytes=parse_size(self.max_memory),
            max_cpus=self.max_cpus,
            max_arguments=self.max_arguments,
            max_arguments_bytes=parse_size(self.max_arguments_size),
            max_environment_variables=self.max_environment_variables,
            max_environment_bytes=parse_size(self.max_environment_size),
            targets=TargetRules(selector=dict(self.target_selector), allowed={team: list(names) for team, names in self.allowed_targets.items()}),
        )

    def engine_settings(self, policy: RunPolicy | None = None) -> EngineSettings:
        sizes = {}
        for language, values in self.pool_sizes.items():
            default = LANGUAGES[language].pool
            sizes[language] = PoolDefaults(
                min_containers=int(values.get("min_containers", default.min_containers)),
                max_containers=int(values.get("max_containers", default.max_containers)),
                idle_timeout_s=parse_duration(values.get("idle_timeout", default.idle_timeout_s)),
            )
        return EngineSettings(
            policy=policy or self.run_policy(),
            docker_host=self.docker_host or None,
            runtime_images=dict(self.runtime_images),
            output_cap_bytes=parse_size(self.output_cap),
            max_outputs_bytes=self.max_outputs_bytes,
            pool_enabled=self.pool_enabled,
            pool_sizes=sizes,
            temp_path=Path(self.temp_path),
            cache_path=self.compile_cache_path(),
            dependencies=self.dependency_settings(),
            language_options={"typescript": {"type_check": self.typescript_type_check}},
        )

    def compile_cache_path(self) -> Path:
        return self.resolved_data_dir() / "compile-cache"

    def gc_limits(self) -> GcLimits:
        return GcLimits(
            cache=StoreLimits(parse_size(self.cache_max_bytes), parse_duration(self.cache_retention)),
            images=StoreLimits(parse_size(self.image_max_bytes), parse_duration(self.image_retention)),
        )

    def gc_interval_s(self) -> float | None:
        """Seconds between the server's collections; None when off."""
        return None if self.gc_interval == "off" else parse_duration(self.gc_interval)

    def dependency_settings(self) -> DependencySettings:
        return DependencySettings(
            sources={source.key: getattr(self, source.setting) for source in PACKAGE_SOURCES},
            ca_bundle=self.dependency_ca_bundle,
            timeout_s=parse_duration(self.dependency_timeout),
            allowed_hosts=tuple(self.dependency_allowed_hosts),
            network=self.dependency_network,
            relay_image=self.runtime_images.get("python") or RELAY_IMAGE,
        )
