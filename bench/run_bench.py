#!/usr/bin/env python3
"""Start-up latency of a hello-world script, per language, in four modes.

    warm   the engine with a warm pool (the container is already running)
    cold   the engine with the pool off (a container is created per run)
    naive  `docker run --rm` of the same image and artifact, same SDK client
    host   the bare runtime on the host, no container at all

Every mode runs in this one process, interleaved run by run, and every run's
output is checked to be "hi": a failed run stops the benchmark. This is a
benchmark, not a test; see bench/README.md.

    .venv/bin/python bench/run_bench.py --runs 30 --output docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from docker.errors import ImageNotFound

from jupyter_stellascript.execution.compile_cache import CompileCache
from jupyter_stellascript.execution.container_engine import connect
from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine
from jupyter_stellascript.execution.models import ExecutionRequest, ExecutionStatus, NetworkMode
from jupyter_stellascript.execution.uids import SCRIPT_UIDS
from jupyter_stellascript.execution.sandbox import OWNER_PID_LABEL, SandboxPolicy
from jupyter_stellascript.languages import LANGUAGES, Language
from jupyter_stellascript.languages.base import ARTIFACT_DIR, SCRIPTS_DIR

EXPECTED = "hi"
MODES = ("warm", "cold", "naive", "host")
TARGET_WARM_P50_MS = 100.0
TARGET_RATIO = 4.0
SETTLE_TIMEOUT_S = 180.0


class BenchError(RuntimeError):
    """A run failed or the set-up is wrong: nothing worth reporting was measured."""


@dataclass
class Fixture:
    """Everything one language needs for every mode, prepared before timing."""

    language: Language
    request: ExecutionRequest
    compiled: bool
    naive_options: dict
    host_argv: list[str] | None
    host_dir: Path
    host_note: str


@dataclass
class Context:
    client: object
    warm: ExecutionEngine
    cold: ExecutionEngine
    foreign_containers: list[int] = field(default_factory=list)
    load: list[float] = field(default_factory=list)


@dataclass
class Samples:
    ms: list[float] = field(default_factory=list)
    pooled: int = 0


# -- helpers -------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def check_output(stdout: str, mode: str, language: str, detail: str = "") -> None:
    if stdout.strip() != EXPECTED:
        raise BenchError(f"{mode} run of {language} printed {stdout!r}, not {EXPECTED!r}. {detail}".strip())


def settle(ctx: Context) -> None:
    """Wait until nothing of ours is starting or being removed, and the pool is full.

    Before every timed run of every mode: a warm run must really find a warm
    container, and no mode should share the CPU with our own background work
    (pool refills, removal of the previous run's container).
    """
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    pid = str(os.getpid())
    while time.monotonic() < deadline:
        if not ctx.warm.pool.wait_until_warm(timeout_s=deadline - time.monotonic()):
            break
        containers = ctx.client.api.containers(all=True)
        ours = [c for c in containers if (c.get("Labels") or {}).get(OWNER_PID_LABEL) == pid]
        if len(ours) == sum(ctx.warm.pool.idle_counts().values()):
            others = [c for c in containers if (c.get("Labels") or {}).get(OWNER_PID_LABEL) != pid]
            ctx.foreign_containers.append(sum(1 for c in others if c.get("State") == "running"))
            ctx.load.append(os.getloadavg()[0])
            return
        time.sleep(0.02)
    raise BenchError(f"the warm pool did not refill (or our containers were not removed) within {SETTLE_TIMEOUT_S:g}s")


# -- preparation (untimed) -----------------------------------------------------


def compiled_artifact(engine: ExecutionEngine, language: Language, request: ExecutionRequest, entry_point: str) -> Path:
    """The artifact the engine's compile cache holds for this script."""
    key = CompileCache.key(language.name, entry_point, request.source, engine.image_id(engine.image_for(language)))
    entry = engine.compile_cache.lookup(key)
    if entry is None:
        raise BenchError(f"no cached {language.name} artifact after a successful run (was the image rebuilt?)")
    return entry


def naive_options(language: Language, entry_point: str, source: str, slot: Path, artifact: Path | None) -> dict:
    """`docker run --rm` of the runtime command: same image, hardening and limits
    as an engine container (its /work a tmpfs), but no agent, no pool and no per-run folders."""
    scripts = slot / "scripts"
    scripts.mkdir(parents=True)
    (scripts / entry_point).write_text(source, encoding="utf-8")
    if artifact is not None:
        CompileCache.install(artifact, scripts / Path(ARTIFACT_DIR).name)
    options = SandboxPolicy().container_options(
        image=language.image, limits=language.default_limits, network_mode=NetworkMode.NONE,
        uid=SCRIPT_UIDS.start, scripts_dir=scripts, agent_binary=slot / "unused",
        environment=dict(language.runtime_environment), labels={},
    )
    options.pop("entrypoint")
    options["command"] = language.run_argv(entry_point, source)
    options["mounts"] = [m for m in options["mounts"] if m["Target"] == SCRIPTS_DIR]
    return options


def host_environment(fixture: Fixture) -> dict[str, str]:
    """A minimal environment, like the container's: a developer shell's extras
    (NODE_EXTRA_CA_CERTS adds ~100 ms to every Node start) stay out."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(fixture.host_dir), "LANG": "C.UTF-8"}


def prepare(ctx: Context, language: Language, root: Path) -> Fixture:
    """Prime the compile cache and build the naive and host set-ups (untimed)."""
    request = ExecutionRequest(language=language.name, source=language.bench_hello)
    entry_point = language.default_entry_point(request.source)
    result = ctx.warm.execute(request)
    if result.status is not ExecutionStatus.SUCCEEDED:
        raise BenchError(f"priming run of {language.name} failed: {result.status.value} {result.error or result.stderr}")
    check_output(result.stdout, "priming", language.name)
    compiled = language.is_compiled(entry_point)
    artifact = compiled_artifact(ctx.warm, language, request, entry_point) if compiled else None
    host_dir = root / "host" / language.name
    host_dir.mkdir(parents=True)
    (host_dir / entry_point).write_text(request.source, encoding="utf-8")
    host_argv, host_note = language.host_command(entry_point, host_dir, artifact)
    return Fixture(
        language=language,
        request=request,
        compiled=compiled,
        naive_options=naive_options(language, entry_point, request.source, root / "naive" / language.name, artifact),
        host_argv=host_argv,
        host_dir=host_dir,
        host_note=host_note,
    )


# -- one timed run per mode ----------------------------------------------------


def run_engine(ctx: Context, engine: ExecutionEngine, fixture: Fixture, mode: str) -> tuple[float, bool]:
    settle(ctx)
    start = time.perf_counter()
    result = engine.execute(fixture.request)
    elapsed = time.perf_counter() - start
    name = fixture.language.name
    if result.status is not ExecutionStatus.SUCCEEDED:
        raise BenchError(f"{mode} run of {name} ended {result.status.value}: {result.error or result.stderr}")
    check_output(result.stdout, mode, name, result.stderr)
    if fixture.compiled and not result.compile_cache_hit:
        raise BenchError(f"{mode} run of {name} compiled (compile cache miss): was the image rebuilt mid-benchmark?")
    return elapsed, result.pooled


def run_warm(ctx: Context, fixture: Fixture) -> tuple[float, bool]:
    return run_engine(ctx, ctx.warm, fixture, "warm")


def run_cold(ctx: Context, fixture: Fixture) -> tuple[float, bool]:
    elapsed, pooled = run_engine(ctx, ctx.cold, fixture, "cold")
    if pooled:
        raise BenchError("a cold run came from a pool")
    return elapsed, False


NAIVE_TIMEOUT_S = 60


def run_naive(ctx: Context, fixture: Fixture) -> tuple[float, bool]:
    settle(ctx)
    # What `docker run --rm IMAGE ...` does: create, start, wait, read the
    # logs, remove. (Not containers.run(detach=False): its follow-logs stream
    # sometimes never ends on Podman 4.3 after the container exits.)
    start = time.perf_counter()
    container = ctx.client.containers.run(**fixture.naive_options, detach=True)
    try:
        status = container.wait(timeout=NAIVE_TIMEOUT_S)
        stdout = container.logs(stdout=True, stderr=False)
    finally:
        container.remove(force=True)
    elapsed = time.perf_counter() - start
    if status.get("StatusCode") != 0:
        raise BenchError(f"naive run of {fixture.language.name} exited {status}")
    check_output(stdout.decode(errors="replace"), "naive", fixture.language.name)
    return elapsed, False


def run_host(ctx: Context, fixture: Fixture) -> tuple[float, bool] | None:
    if fixture.host_argv is None:
        return None
    settle(ctx)
    start = time.perf_counter()
    finished = subprocess.run(fixture.host_argv, cwd=fixture.host_dir, env=host_environment(fixture), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if finished.returncode != 0:
        raise BenchError(f"host run of {fixture.language.name} exited {finished.returncode}: {finished.stderr}")
    check_output(finished.stdout, "host", fixture.language.name, finished.stderr)
    return elapsed, False


RUNNERS: dict[str, Callable[[Context, Fixture], tuple[float, bool] | None]] = {
    "warm": run_warm, "cold": run_cold, "naive": run_naive, "host": run_host,
}


def bench_language(ctx: Context, fixture: Fixture, runs: int) -> dict[str, Samples | None]:
    """One untimed run per mode, then ``runs`` rounds of warm, cold, naive, host."""
    for mode in MODES:
        RUNNERS[mode](ctx, fixture)
    samples: dict[str, Samples | None] = {mode: Samples() for mode in MODES}
    for _ in range(runs):
        for mode in MODES:
            outcome = RUNNERS[mode](ctx, fixture)
            if outcome is None:
                samples[mode] = None
                continue
            elapsed, pooled = outcome
            samples[mode].ms.append(elapsed * 1000)
            samples[mode].pooled += pooled
    return samples


# -- report ----------------------------------------------------------------------


def cell(samples: Samples | None, q: float) -> str:
    return "n/a" if samples is None else f"{percentile(samples.ms, q):.0f}"


def table(results: dict[str, dict[str, Samples | None]], runs: int) -> list[str]:
    lines = [
        "| Language | warm p50 | warm p95 | pooled | cold p50 | cold p95 | naive p50 | naive p95 | host p50 | host p95 | naive/warm p50 | target met |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|",
    ]
    for name, samples in results.items():
        warm_p50 = percentile(samples["warm"].ms, 50)
        ratio = percentile(samples["naive"].ms, 50) / warm_p50
        met = "yes" if warm_p50 <= TARGET_WARM_P50_MS and ratio >= TARGET_RATIO else "**no**"
        lines.append(
            f"| {LANGUAGES[name].display_name} | {cell(samples['warm'], 50)} | {cell(samples['warm'], 95)} "
            f"| {samples['warm'].pooled}/{runs} | {cell(samples['cold'], 50)} | {cell(samples['cold'], 95)} "
            f"| {cell(samples['naive'], 50)} | {cell(samples['naive'], 95)} | {cell(samples['host'], 50)} "
            f"| {cell(samples['host'], 95)} | {ratio:.1f}x | {met} |"
        )
    return lines


def machine(client) -> dict[str, str]:
    version = client.version()
    parts = [f"{c.get('Name')} {str(c.get('Version', '')).splitlines()[0]}" for c in version.get("Components") or []]
    components = "; ".join(parts) or f"version {version.get('Version', '?')}"
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "kernel": platform.release(),
        "engine": f"{components} (API {version.get('ApiVersion', '?')})",
    }


def report(results, fixtures: dict[str, Fixture], runs: int, info: dict[str, str], ctx: Context, started: datetime, elapsed_s: float) -> str:
    foreign = ctx.foreign_containers or [0]
    load = ctx.load or [os.getloadavg()[0]]
    noisy = statistics.mean(load) > int(info["nproc"])
    warning = [
        f"**Noisy run:** the 1-minute load average averaged {statistics.mean(load):.1f} on {info['nproc']} CPUs "
        "while it ran (other work on the machine); absolute numbers are inflated, ratios less so.",
        "",
    ] if noisy else []
    host_runtimes = "; ".join(f"{LANGUAGES[n].display_name}: {f.host_note}" for n, f in fixtures.items())
    lines = [
        "# Start-up benchmarks",
        "",
        f"Generated by `bench/run_bench.py --runs {runs}` on {started:%Y-%m-%d %H:%M} UTC in {elapsed_s / 60:.1f} min.",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), Linux {info['kernel']}; container engine: {info['engine']}.",
        "",
        "Milliseconds of wall-clock time for a hello-world script printing `hi`, "
        f"{runs} timed runs per language and mode (p50/p95).",
        "",
        *warning,
        *table(results, runs),
        "",
        f"Target: warm p50 <= {TARGET_WARM_P50_MS:.0f} ms and naive/warm p50 >= {TARGET_RATIO:.0f}x in every language. "
        "`pooled` counts the warm runs that really got a container from the pool.",
        "",
        "**Method.** All four modes run in one process, interleaved run by run (warm, cold, naive, host, repeated), "
        "after one untimed run of each; each time is `time.perf_counter()` around one call, and every run's output is "
        "checked to be `hi` (a failure stops the benchmark). *warm* is `ExecutionEngine.execute` with the warm pool "
        "(before each run the benchmark waits until the pool is full again and our previous containers are gone, so "
        "refills never overlap a timed run): it includes staging the script, installing the cached artifact and the "
        "run through the in-container agent, not container creation. *cold* is the same call with `pool_enabled=False`: "
        "it adds creating and starting a hardened container and waiting for its agent (its removal happens in the "
        "background, after the timer). For Go, Java, TypeScript and C# the compile cache is warm in both, so neither "
        "includes a compile. *naive* is what `docker run --rm IMAGE COMMAND` does (create, start, wait, logs, remove), "
        "through the same Docker SDK client, with the same image, user, limits and read-only hardening as an engine "
        "container, running the same command on the same compiled artifact (bind-mounted): it includes create, start, "
        "the runtime, wait, reading logs and removal. *host* runs the bare runtime on the host with no container, "
        f"with a minimal environment (PATH, HOME, LANG) like the container's ({host_runtimes}); n/a means that runtime is not installed on the host. Percentiles interpolate linearly "
        f"between ranks, so p95 of {runs} runs rests on the few slowest runs: treat it as indicative. Other containers were running during "
        f"the benchmark (max {max(foreign)}, mean {statistics.mean(foreign):.1f} running containers not started by it; "
        f"1-minute load average mean {statistics.mean(load):.1f}, max {max(load):.1f}, on {info['nproc']} CPUs), "
        "so the numbers include noise from concurrent work on the machine.",
        "",
    ]
    return "\n".join(lines)


# -- main --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per language and mode (default 30)")
    parser.add_argument("--languages", default="all", help="comma-separated, e.g. python,go (default all)")
    parser.add_argument("--output", type=Path, help="write the Markdown report here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    names = list(LANGUAGES) if args.languages == "all" else [n.strip().lower() for n in args.languages.split(",") if n.strip()]
    unknown = [n for n in names if n not in LANGUAGES]
    if unknown or not names:
        parser.error(f"unknown languages {unknown}; known: {', '.join(LANGUAGES)}")
    args.languages = names
    return args


def check_images(client, languages: list[Language]) -> None:
    for language in languages:
        try:
            client.images.get(language.image)
        except ImageNotFound:
            raise BenchError(f"runtime image {language.image} is missing; build it with `stellascript runtimes build`") from None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    languages = [LANGUAGES[name] for name in args.languages]
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    client = connect()
    check_images(client, languages)
    with tempfile.TemporaryDirectory(prefix="stella-bench-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        cache = root / "compile-cache"
        with ExecutionEngine(EngineSettings(pool_enabled=True, cache_path=cache), client=client) as warm, \
                ExecutionEngine(EngineSettings(pool_enabled=False, cache_path=cache), client=client) as cold:
            ctx = Context(client=client, warm=warm, cold=cold)
            warm.warm_up(languages)
            if not warm.pool.wait_until_warm(timeout_s=300):
                raise BenchError("the warm pool did not fill within 300 s")
            fixtures, results = {}, {}
            for language in languages:
                print(f"{language.display_name}: preparing", file=sys.stderr, flush=True)
                fixtures[language.name] = prepare(ctx, language, root)
                results[language.name] = bench_language(ctx, fixtures[language.name], args.runs)
                summary = ", ".join(f"{m} {cell(results[language.name][m], 50)}" for m in MODES)
                print(f"{language.display_name}: p50 (ms) {summary}", file=sys.stderr, flush=True)
    text = report(results, fixtures, args.runs, machine(client), ctx, started, time.perf_counter() - clock)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        sys.exit(1)
