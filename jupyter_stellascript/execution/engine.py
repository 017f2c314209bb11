"""The execution engine: runs one script in one sandboxed container.

It ties the pieces together: a language says what to run, the pool hands out
a ready container, the compile cache skips compiles it has seen, and the
agent runs the command and streams output back. Whatever the script does,
``execute`` returns an :class:`ExecutionResult`; only a request its policy
refuses (before anything runs) raises InvalidRequest.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import docker
from docker.errors import APIError, ImageNotFound

from ..dependencies import (
    DependenciesCancelled,
    DependencyError,
    DependencySettings,
    DerivedImages,
    Lock,
    Prepared,
    has_resolver,
    resolver_for,
)
from ..languages import Language, get_language
from ..languages.base import BUILD_OUTPUT_DIR, SCRIPTS_DIR, WORK_DIR, PoolDefaults
from ..paths import data_dir, temp_dir
from .agent import AgentCancelled, AgentError, AgentReport, AgentTimeout, agent_binary
from .compile_cache import CompileCache
from .container_engine import connect
from .fields import InvalidRequest  # noqa: F401  (callers catch it as engine.InvalidRequest)
from .models import (
    ExecutionRequest,
    ExecutionResult,
    ExecutionStatus,
    NetworkMode,
    ResourceLimits,
    TerminationReason,
)
from ..secrets.masking import Masker
from .output import LiveOutput, OutputCollector
from .secret_files import remove_secret_files, write_secret_files
from .step_outputs import OUTPUTS_ENV, OUTPUTS_FILE, InvalidOutputs, read_outputs
from .outcome import MIB, RunState, settle
from .pool import ContainerPool, PoolError
from .pool_models import ContainerSpec, PooledContainer, PoolTarget

from .policy import RunPolicy
from .sandbox import SandboxPolicy
from ..targets.models import TARGET_FILE, TargetDescription
from ..targets.selection import TargetUnavailable, find_target

Progress = Callable[[str], None]

log = logging.getLogger(__name__)

ARGS_FILE = "args.json"
IMAGE_ID_TTL_S = 30.0


@dataclass
class EngineSettings:
    docker_host: str | None = None
    runtime_images: dict[str, str] = field(default_factory=dict)
    output_cap_bytes: int = MIB
    # Most bytes of the JSON object a run writes to $STELLASCRIPT_OUTPUT.
    max_outputs_bytes: int = MIB
    pool_enabled: bool = True
    pool_sizes: dict[str, PoolDefaults] = field(default_factory=dict)
    # What runs may ask for and the defaults they get (None: the engine's own
    # defaults, host networking as allow_host_network says).
    policy: RunPolicy | None = None
    allow_host_network: bool = False
    temp_path: Path | None = None
    cache_path: Path | None = None
    # Package sources, CA bundle and time bound for dependencies (None: defaults
    # and STELLASCRIPT_* environment variables).
    dependencies: DependencySettings | None = None
    # Per language, the options Language.configured takes, e.g. {"typescript": {"type_check": "error"}}.
    language_options: dict[str, dict] = field(default_factory=dict)


class ExecutionEngine:
    def __init__(self, settings: EngineSettings | None = None, client: docker.DockerClient | None = None) -> None:
        self.settings = settings or EngineSettings()
        self.client = client or connect(self.settings.docker_host)
        self.policy = self.settings.policy or RunPolicy(allow_host_network=self.settings.allow_host_network)
        self.compile_cache = CompileCache(self.settings.cache_path or data_dir() / "compile-cache")
        self.pool = ContainerPool(
            self.client,
            SandboxPolicy(),
            agent_binary(),
            self.settings.temp_path or temp_dir(),
            enabled=self.settings.pool_enabled,
        )
        self._image_ids: dict[str, tuple[float, str]] = {}
        self._refreshing: set[str] = set()
        self.derived_images = DerivedImages(self.client, self.settings.dependencies)

    # -- configuration -----------------------------------------------------------

    def language(self, name: str) -> Language:
        """The language as this engine runs it: with the server's options for it (e.g. TypeScript's type_check)."""
        language = get_language(name)
        return language.configured(self.settings.language_options.get(language.name, {}))

    def image_for(self, language: Language) -> str:
        return self.settings.runtime_images.get(language.name, language.image)

    def limits_for(self, language: Language) -> ResourceLimits:
        """A run's limits when it asks for none."""
        return self.policy.limits_for(language)

    def default_spec(self, language: Language) -> ContainerSpec:
        return ContainerSpec(
            image=self.image_for(language),
            limits=self.limits_for(language),
            network_mode=NetworkMode.NONE,
            environment=language.runtime_environment,
        )

    def warm_up(self, languages: list[Language]) -> None:
        """Start keeping warm containers for these languages' default runs."""
        if not self.settings.pool_enabled:
            return
        for language in languages:
            sizes = self.settings.pool_sizes.get(language.name, language.pool)
            self.pool.configure(
                self.default_spec(language),
                PoolTarget(sizes.min_containers, sizes.max_containers, sizes.idle_timeout_s),
            )

    def image_id(self, image: str) -> str:
        """The image's id (part of every compile-cache key).

        A rebuilt image gets a new id, so the id is looked up again once it is
        older than IMAGE_ID_TTL_S — in the background, so that no warm run
        waits for the engine's answer; the first use of an image waits.
        """
        cached = self._image_ids.get(image)
        if cached is None:
            return self._refresh_image_id(image)
        if time.monotonic() - cached[0] >= IMAGE_ID_TTL_S and image not in self._refreshing:
            self._refreshing.add(image)
            threading.Thread(target=self._refresh_image_id_in_background, args=(image,), daemon=True).start()
        return cached[1]

    def _refresh_image_id_in_background(self, image: str) -> None:
        try:
            self._refresh_image_id(image)
        except (APIError, ImageNotFound) as error:  # the next run looks it up and reports it
            log.warning("cannot refresh the id of %s: %s", image, error)

    def _refresh_image_id(self, image: str) -> str:
        try:
            image_id = self.client.images.get(image).id
            self._image_ids[image] = (time.monotonic(), image_id)
            return image_id
        except (APIError, ImageNotFound):
            self._image_ids.pop(image, None)
            raise
        finally:
            self._refreshing.discard(image)

    # -- execution ---------------------------------------------------------------

    def execute(
        self,
        request: ExecutionRequest,
        on_output: LiveOutput | None = None,
        cancelled: threading.Event | None = None,
        on_progress: Progress | None = None,
    ) -> ExecutionResult:
        """Run one script. Dependency progress (resolving, building a derived
        image) and pool waits go to ``on_progress``, or else into the run's stderr."""
        # The request is valid by construction; what this engine allows, and
        # its defaults (timeout, network mode, limits), are the policy's.
        request = self.policy.resolve(request)
        language, entry_point = self.language(request.language), request.entry_point
        cancelled = cancelled or threading.Event()
        limits = self.policy.limits_for(language, request.memory_bytes, request.cpus, request.disk_bytes)
        network, timeout_s = request.network_mode, request.timeout_s
        spec = ContainerSpec(self.image_for(language), limits, network, language.runtime_environment)
        if (request.secret_environment or request.secret_files) and not request.delivered_secrets:
            # Named but not resolved for a caller (SecretManager.deliver): running without them would fail later, less clearly.
            raise InvalidRequest([{"field": "secrets", "message": "the secrets were not resolved for the caller"}])
        masker = Masker(secret.value for secret in request.delivered_secrets)
        state = RunState(OutputCollector(self.settings.output_cap_bytes, on_output, masker))
        started_at = datetime.now(timezone.utc)
        result = ExecutionResult(
            status=ExecutionStatus.ERROR, exit_code=None, stdout="", stderr="",
            started_at=started_at, completed_at=started_at, duration_ms=0,
            language=language.name, image=spec.image, limits=limits, network_mode=network,
        )
        container: PooledContainer | None = None
        progress = on_progress or (lambda line: state.collector.note("stderr", f"[stellascript] {line}\n"))
        target: TargetDescription | None = None
        try:
            prepared = self._prepare_dependencies(language, entry_point, request, spec.image, progress, cancelled)
            if prepared is not None:
                spec = dataclasses.replace(spec, image=prepared.image)
                result.image = spec.image
                result.dependency_lock, result.dependency_lock_sha256 = prepared.lock.to_dict(), prepared.lock.sha256
                if prepared.built:  # warm containers of an image by this name predate it
                    self.pool.drop_idle(spec)
                if request.target is None:
                    self._keep_warm(language, spec)
            if request.target is not None:
                # Looked up again as the run starts: the target may have stopped since the request was accepted.
                target = self.target(request.target)
                spec = dataclasses.replace(spec, joined_container=target.id)
                result.target = {"container": request.target, "id": target.id, "name": target.name}
            result.image_id = self.image_id(spec.image)
            container, result.pooled = self.pool.acquire(spec, deadline=time.monotonic() + timeout_s, on_wait=progress)
            deadline = time.monotonic() + timeout_s
            self._stage_script(container, language, entry_point, request, target)
            write_secret_files(container.host_pid, request.delivered_secrets)
            self._run(language, entry_point, request, container, result.image_id, state, deadline, cancelled)
            if state.compile_warnings and not request.check_only:
                progress(f"{language.display_name} compiled with warnings (the script runs anyway):\n{state.compile_warnings.rstrip()}")
            if not request.check_only:
                self._collect_outputs(container, state, deadline, cancelled)
            settle(result, state, limits)
        except AgentTimeout:
            self.pool.kill(container)
            result.status, result.termination_reason = ExecutionStatus.TIMED_OUT, TerminationReason.TIMEOUT
            state.collector.note("stderr", f"\n[stellascript] timed out after {timeout_s:g}s; every process of the script was killed\n")
        except (AgentCancelled, DependenciesCancelled):
            self.pool.kill(container)
            result.status, result.termination_reason = ExecutionStatus.CANCELLED, TerminationReason.CANCELLED
        except DependencyError as error:
            result.error = self._without_host_paths(str(error))
            result.termination_reason = TerminationReason.DEPENDENCY_ERROR
        except TargetUnavailable as error:
            result.error = str(error)
            result.termination_reason = TerminationReason.TARGET_UNAVAILABLE
        except ImageNotFound:
            result.error = f"runtime image {spec.image} is missing; build it with `stellascript runtimes build`"
            result.termination_reason = TerminationReason.ENGINE_ERROR
        except (AgentError, PoolError, APIError, OSError) as error:
            result.error = self._explain_failure(container, error, limits)
            result.termination_reason = TerminationReason.ENGINE_ERROR
            if "memory" in result.error:
                # The script's doing, not the engine's: a failed run, with its output so far.
                result.status, result.termination_reason = ExecutionStatus.FAILED, TerminationReason.MEMORY_LIMIT
        finally:
            if container is not None:
                if request.delivered_secrets:  # the container goes too; the files go first
                    remove_secret_files(container.host_pid, request.delivered_secrets)
                self.pool.release(container)
        state.collector.flush()
        result.error = masker.text(result.error)
        completed_at = datetime.now(timezone.utc)
        result.completed_at = completed_at
        result.duration_ms = int((completed_at - started_at).total_seconds() * 1000)
        result.stdout, result.stderr = state.collector.stdout.text(), state.collector.stderr.text()
        result.stdout_truncated = state.collector.stdout.truncated
        result.stderr_truncated = state.collector.stderr.truncated
        result.compile_cache_hit = state.compile_cache_hit
        result.compile_warnings = state.compile_warnings
        result.outputs = masker.json(state.outputs)  # secrets never reach a stored output
        return result

    def _prepare_dependencies(self, language: Language, entry_point: str, request: ExecutionRequest, base_image: str,
                              progress: Progress, cancelled: threading.Event) -> Prepared | None:
        """The derived image with the script's dependencies, or None when it
        has none (or nothing will run). Declared dependencies of a language
        without a resolver yet are an error: running without them would fail
        later and less clearly."""
        if request.check_only and not language.is_compiled(entry_point):
            return None  # a parser's check (python3, bash -n) needs no packages
        # A compiled language's check compiles against the packages (tsc, go
        # build): it prepares them as a run would, and the run reuses them.
        if not has_resolver(language.name):
            if any(d.get("scope", "runtime") == "runtime" for d in request.dependencies or ()):
                resolver_for(language.name)  # raises UnsupportedEcosystem, naming what is supported
            return None
        requirements = self.derived_images.requirements(language.name, request.source, request.dependencies)
        if not requirements:
            return None
        lock = None
        if request.dependency_lock:
            try:
                lock = Lock.from_dict(request.dependency_lock)
            except (ValueError, KeyError, TypeError) as error:
                progress(f"ignoring the saved dependency lock ({error}); resolving again")
        return self.derived_images.prepare(language.name, base_image, requirements, lock, progress, cancelled)

    def prepare_dependencies(self, request: ExecutionRequest) -> Prepared | None:
        """Build (or find) the derived image of a run's dependencies without running it
        (a workflow's preloading); None when it has none."""
        request = self.policy.resolve(request)
        language = get_language(request.language)
        return self._prepare_dependencies(language, request.entry_point, request, self.image_for(language),
                                          lambda line: None, threading.Event())

    def keep_warm_at_least(self, language: Language, count: int) -> None:
        """Keep at least ``count`` warm containers of the language's default runs (a workflow's preloading)."""
        if not self.settings.pool_enabled:
            return
        sizes = self.settings.pool_sizes.get(language.name, language.pool)
        self.pool.configure(self.default_spec(language),
                            PoolTarget(max(sizes.min_containers, count), max(sizes.max_containers, count), sizes.idle_timeout_s))

    def _keep_warm(self, language: Language, spec: ContainerSpec) -> None:
        """Warm containers for a derived image while it is in use."""
        if not self.settings.pool_enabled:
            return
        sizes = self.settings.pool_sizes.get(language.name, language.pool)
        self.pool.configure(spec, PoolTarget(min(sizes.min_containers, 1), sizes.max_containers,
                                             sizes.idle_timeout_s, retire_after_s=sizes.idle_timeout_s))

    def target(self, reference: str) -> TargetDescription:
        """The running target container ``reference`` names (who may use it is the caller's check)."""
        return find_target(self.client, reference, self.policy.targets)

    @staticmethod
    def _stage_script(container: PooledContainer, language: Language, entry_point: str, request: ExecutionRequest,
                      target: TargetDescription | None = None) -> None:
        files = {entry_point: request.source, **language.generated_files(entry_point, request.source)}
        if target is not None:  # /scripts is mounted read-only: the script reads it and cannot change it
            files[TARGET_FILE] = json.dumps(target.to_json(), indent=2) + "\n"
        for name, text in files.items():
            path = container.scripts_dir / name
            path.write_text(text, encoding="utf-8")
            path.chmod(0o644)
        # Always present, {} without arguments: scripts need not test for it.
        arguments = container.scripts_dir / ARGS_FILE
        arguments.write_text(json.dumps(request.arguments), encoding="utf-8")
        arguments.chmod(0o644)

    def _run(
        self,
        language: Language,
        entry_point: str,
        request: ExecutionRequest,
        container: PooledContainer,
        image_id: str,
        state: RunState,
        deadline: float,
        cancelled: threading.Event,
    ) -> None:
        agent = container.agent
        compile_argv = language.compile_argv(entry_point, request.source)
        if compile_argv is not None:
            key = CompileCache.key(language.name, entry_point, request.source, image_id, language.compile_variant(request.source))
            with self.compile_cache.locked(key):
                entry = self.compile_cache.lookup(key)
                state.compile_cache_hit = entry is not None
                if entry is None:
                    # From /scripts, so diagnostics name the file as the author knows it.
                    report = agent.run(compile_argv, {}, SCRIPTS_DIR, state.collector.compile_output, deadline, cancelled,
                                       mkdirs=(BUILD_OUTPUT_DIR,))
                    if report.exit_code != 0 or report.start_error:
                        state.compile_failed = report
                        return
                    # /work is the container's own tmpfs: the agent sends the build over.
                    build_dir = container.host_folder("build")
                    agent.fetch_tree(BUILD_OUTPUT_DIR, build_dir, deadline, cancelled)
                    entry = self.compile_cache.store(key, build_dir)
            state.compile_warnings = language.compile_warnings(entry)
            if request.check_only:
                state.report = AgentReport(exit_code=0)
                return
            CompileCache.install(entry, container.scripts_dir / ".build")
        elif request.check_only:
            check_argv = language.check_argv(entry_point, request.source)
            report = AgentReport(exit_code=0)
            if check_argv is not None:
                report = agent.run(check_argv, {}, SCRIPTS_DIR, state.collector.compile_output, deadline, cancelled)
            if report.exit_code != 0 or report.start_error:
                state.compile_failed = report
            else:
                state.report = report
            return
        state.report = agent.run(
            language.run_argv(entry_point, request.source),
            {**request.environment, **{secret.env: secret.value for secret in request.delivered_secrets if secret.env},
             OUTPUTS_ENV: OUTPUTS_FILE},
            WORK_DIR,
            state.collector,
            deadline,
            cancelled,
        )

    def _collect_outputs(self, container: PooledContainer, state: RunState, deadline: float,
                         cancelled: threading.Event) -> None:
        """Read what the script wrote to $STELLASCRIPT_OUTPUT (only after a script ran)."""
        if state.report is None or state.report.start_error or state.compile_failed is not None:
            return
        try:
            state.outputs = read_outputs(container.agent, container.host_folder("outputs"),
                                         self.settings.max_outputs_bytes, deadline, cancelled)
        except InvalidOutputs as error:
            state.invalid_outputs = str(error)

    def _explain_failure(self, container: PooledContainer | None, error: Exception, limits: ResourceLimits) -> str:
        if container is not None:
            container_state = self.pool.inspect_state(container)
            settle_until = time.monotonic() + 3.0
            while isinstance(error, AgentError) and container_state.get("Running") and time.monotonic() < settle_until:
                time.sleep(0.1)  # the agent is gone; the engine has yet to notice the exit
                container_state = self.pool.inspect_state(container)
            # The engine's OOMKilled flag is unreliable (cgroup v1 Podman); the
            # agent is PID 1, which nothing inside the container can SIGKILL,
            # so a 137 the engine did not cause is the kernel's OOM killer.
            oom_killed = container_state.get("OOMKilled") or (
                isinstance(error, AgentError) and container_state.get("ExitCode") == 128 + signal.SIGKILL)
            if oom_killed:
                return f"the container exceeded its memory limit of {limits.memory_bytes // MIB} MiB and was killed"
        return self._without_host_paths(str(error))

    def _without_host_paths(self, message: str) -> str:
        """A message for the run's record: where the host keeps run folders and data is not the caller's business."""
        for folder, name in ((self.pool.temp_root, "<run folder>"), (self.compile_cache.root, "<compile cache>"), (data_dir(), "<data>")):
            message = message.replace(str(folder), name)
        return message

    def close(self) -> None:
        self.pool.shutdown()

    def __enter__(self) -> "ExecutionEngine":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
