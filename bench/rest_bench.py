#!/usr/bin/env python3
"""End to end through the REST API of a headless server: what a client sees.

    warm     POST scripts/{id}/execute?wait=true of a hello-world script per
             language, one client with keep-alive, after warm-up runs:
             client wall time p50/p95, and the REST overhead (client wall
             time minus the run's own duration_ms as the server recorded it)
    burst    N asynchronous submissions of the Bash hello-world from C
             clients (202s), then every record polled to its end: executions
             per second from the first submission to the last completion,
             how many succeeded (none may be lost), and the server's RSS
             before and after

The server is a real `stellascript serve` in its own data directory on a
free loopback port, with its own warm pools; every run's stdout is checked.
This is a benchmark, not a test (see bench/README.md); the issue's targets
are printed next to the figures.

    .venv/bin/python bench/rest_bench.py --runs 50 --burst 1000 --clients 16 --output docs/benchmarks-rest.md
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import requests

from jupyter_stellascript.languages import LANGUAGES

sys.path.insert(0, str(Path(__file__).parent))
from serving import BenchError, BenchServer  # noqa: E402  (bench/ is not a package)

EXPECTED = "hi"
TERMINAL = {"Succeeded", "Failed", "TimedOut", "Cancelled", "Error"}
TARGETS = {"warm_p50_ms": 25.0, "warm_p95_ms": 40.0, "overhead_p50_ms": 5.0, "burst_per_s": 50.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def start_server(data: Path, languages: list[str], max_concurrent: int) -> BenchServer:
    pools = {name: {"min_containers": 2 if name in languages else 0} for name in LANGUAGES}
    return BenchServer(data, {"pool_sizes": pools, "max_concurrent": max_concurrent, "log_level": "WARNING"})


def create_script(server: BenchServer, session: requests.Session, language: str, name: str | None = None) -> str:
    hello = LANGUAGES[language].bench_hello
    answer = session.post(f"{server.url}/scripts", json={"name": name or f"bench-{language}", "language": language,
                                                         "content": hello})
    if answer.status_code != 201:
        raise BenchError(f"creating the {language} script: {answer.status_code} {answer.text}")
    return answer.json()["id"]


def run_once(server: BenchServer, session: requests.Session, script_id: str, language: str) -> tuple[float, float]:
    started = time.perf_counter()
    answer = session.post(f"{server.url}/scripts/{script_id}/execute?wait=true", json={})
    wall_ms = (time.perf_counter() - started) * 1000
    record = answer.json() if answer.status_code == 200 else {}
    if record.get("status") != "Succeeded" or (record.get("stdout") or "").strip() != EXPECTED:
        raise BenchError(f"{language}: {answer.status_code} {record.get('status')} {record.get('stdout')!r} {record.get('stderr')!r}")
    return wall_ms, float(record["duration_ms"])


def warm(server: BenchServer, languages: list[str], runs: int, warmup: int) -> dict[str, dict[str, float]]:
    session = server.session()
    results = {}
    for language in languages:
        script_id = create_script(server, session, language)
        for _ in range(warmup):  # compile cache, pooled containers, keep-alive connection
            run_once(server, session, script_id, language)
        walls, overheads = [], []
        for _ in range(runs):
            wall_ms, duration_ms = run_once(server, session, script_id, language)
            walls.append(wall_ms)
            overheads.append(wall_ms - duration_ms)
        results[language] = {"p50": statistics.median(walls), "p95": percentile(walls, 0.95),
                              "overhead_p50": statistics.median(overheads)}
        print(f"warm {language}: p50 {results[language]['p50']:.1f} ms, p95 {results[language]['p95']:.1f} ms, "
              f"overhead p50 {results[language]['overhead_p50']:.1f} ms", file=sys.stderr)
    return results


def burst(server: BenchServer, total: int, clients: int) -> dict[str, float]:
    session = server.session()
    script_id = create_script(server, session, "bash", name="bench-burst")
    run_once(server, session, script_id, "bash")
    rss_before = rss_bytes(server.process.pid)
    ids: list[str] = []
    lock = threading.Lock()

    def submit(count: int) -> None:
        own = server.session()
        for _ in range(count):
            answer = own.post(f"{server.url}/scripts/{script_id}/execute", json={})
            if answer.status_code != 202:
                raise BenchError(f"submission refused: {answer.status_code} {answer.text}")
            with lock:
                ids.append(answer.json()["execution_id"])

    started = time.perf_counter()
    shares = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(submit, share) for share in shares]:
            future.result()
    submitted_s = time.perf_counter() - started
    pending, statuses = set(ids), {}
    while pending:
        for execution_id in list(pending):
            record = session.get(f"{server.url}/scripts/executions/{execution_id}").json()
            if record["status"] in TERMINAL:
                statuses[execution_id] = (record["status"], (record.get("stdout") or "").strip())
                pending.discard(execution_id)
        time.sleep(0.05)
    finished_s = time.perf_counter() - started
    rss_after = rss_bytes(server.process.pid)
    succeeded = sum(1 for status, stdout in statuses.values() if status == "Succeeded" and stdout == EXPECTED)
    return {"total": total, "clients": clients, "succeeded": succeeded, "submitted_s": submitted_s,
            "per_s": total / finished_s, "rss_before_mib": rss_before / 2**20, "rss_after_mib": rss_after / 2**20}


def report(warm_results: dict, burst_result: dict | None, runs: int) -> str:
    lines = [f"# REST benchmark ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
             f"{os.cpu_count()} CPUs)", "",
             f"Warm runs through `POST scripts/{{id}}/execute?wait=true`, {runs} per language, client wall time "
             f"(targets: p50 <= {TARGETS['warm_p50_ms']:g} ms, p95 <= {TARGETS['warm_p95_ms']:g} ms, "
             f"overhead p50 <= {TARGETS['overhead_p50_ms']:g} ms).", "",
             "| language | p50 ms | p95 ms | REST overhead p50 ms |", "|---|---:|---:|---:|"]
    for language, figures in warm_results.items():
        lines.append(f"| {language} | {figures['p50']:.1f} | {figures['p95']:.1f} | {figures['overhead_p50']:.1f} |")
    if burst_result:
        lines += ["", f"Burst: {burst_result['total']} asynchronous Bash submissions from {burst_result['clients']} "
                      f"clients: {burst_result['per_s']:.1f} executions/s (target >= {TARGETS['burst_per_s']:g}), "
                      f"{burst_result['succeeded']} of {burst_result['total']} succeeded, submissions took "
                      f"{burst_result['submitted_s']:.1f} s, server RSS {burst_result['rss_before_mib']:.0f} MiB before, "
                      f"{burst_result['rss_after_mib']:.0f} MiB after."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--burst", type=int, default=1000, help="asynchronous Bash submissions (0: none)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--max-concurrent", type=int, default=10)
    parser.add_argument("--output", type=Path)
    options = parser.parse_args()
    languages = [name.strip() for name in options.languages.split(",") if name.strip()]
    data = Path(tempfile.mkdtemp(prefix="stellascript-rest-bench-"))
    server = start_server(data, sorted(set(languages) | {"bash"}), options.max_concurrent)
    try:
        warm_results = warm(server, languages, options.runs, options.warmup)
        burst_result = burst(server, options.burst, options.clients) if options.burst else None
    except BenchError as error:
        print(f"rest_bench: {error}", file=sys.stderr)
        return 1
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
    text = report(warm_results, burst_result, options.runs)
    print(text)
    if options.output:
        options.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
