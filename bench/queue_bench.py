#!/usr/bin/env python3
"""The durable queue with 1, 2 and 3 workers on this machine.

For each worker count: a fresh PostgreSQL database, a server that runs
nothing itself (execute_locally = False) and that many `stellascript worker`
processes (concurrency 2 each), each with its own Podman service and storage
(the runtime images shared read-only through additionalimagestores).

    throughput      a burst of N Bash executions (echo): executions per second
                    from the first submission to the last completion
    accept->claim   one execution at a time on idle workers: the record's
                    queued_at to its claim (the claim poll is 100 ms)
    claim->start    every execution: its claim to the engine's start of the run
                    (unsealing, handing over, staging in a warm container)

A benchmark, not a test (bench/README.md). Every run must succeed.

    .venv/bin/python bench/queue_bench.py --burst 60 --sequential 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.queue.conftest import (
    SETTINGS,
    PodmanService,
    RunningWorker,
    create_script,
    submit,
    terminal,
    wait_for_workers,
)
from tests.servers import PostgresCluster, RunningServer


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def measure(root: Path, cluster: PostgresCluster, engines: list[PodmanService], count: int, burst: int,
            sequential: int) -> dict:
    db_url = cluster.create_database(f"bench_{uuid.uuid4().hex[:8]}")
    server = RunningServer(root / f"server-{count}", db_url=db_url,
                           settings={**SETTINGS, "execute_locally": False}).start()
    workers = [RunningWorker(root / f"worker-{count}-{index}", db_url, engines[index].url, concurrency=2,
                             worker_id=f"bench-{count}-{index}").start() for index in range(count)]
    try:
        token = server.token("bench")
        wait_for_workers(server, token, {w.id for w in workers})
        script_id = create_script(server, token, "echo", "echo hi\n")
        for execution_id in [submit(server, token, script_id) for _ in range(2 * count)]:  # warm every engine
            if terminal(server, token, execution_id, 300)["status"] != "Succeeded":
                sys.exit("warm-up run failed")
        accept_to_claim = []
        for _ in range(sequential):
            done = terminal(server, token, submit(server, token, script_id), 120)
            accept_to_claim.append((moment(done["attempts"][0]["claimed_at"]) - moment(done["queued_at"])).total_seconds())
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as clients:
            ids = list(clients.map(lambda _: submit(server, token, script_id), range(burst)))
        records = [terminal(server, token, execution_id, 600) for execution_id in ids]
        elapsed = time.perf_counter() - started
        failed = [r for r in records if r["status"] != "Succeeded"]
        if failed:
            sys.exit(f"{len(failed)} run(s) failed: {failed[0]}")
        claim_to_start = [(moment(r["started_at"]) - moment(r["attempts"][0]["claimed_at"])).total_seconds() for r in records]
        return {"workers": count, "throughput": burst / elapsed, "elapsed": elapsed,
                "accept_claim_p50": statistics.median(accept_to_claim) * 1000,
                "accept_claim_p95": percentile(accept_to_claim, 0.95) * 1000,
                "claim_start_p50": statistics.median(claim_to_start) * 1000,
                "claim_start_p95": percentile(claim_to_start, 0.95) * 1000,
                "spread": sorted({w: sum(r["worker_id"] == w for r in records) for w in {r["worker_id"] for r in records}}.values())}
    finally:
        for worker in workers:
            worker.stop()
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=60)
    parser.add_argument("--sequential", type=int, default=20)
    parser.add_argument("--workers", default="1,2,3")
    args = parser.parse_args()
    counts = [int(value) for value in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="stella-queue-bench-") as folder:
        root = Path(folder)
        cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="stellascript-pg-bench-"))).start()
        engines = [PodmanService(root / f"engine-{index}").start() for index in range(max(counts))]
        try:
            rows = [measure(root, cluster, engines, count, args.burst, args.sequential) for count in counts]
        finally:
            for engine in engines:
                engine.stop()
            cluster.stop()
    print(f"\n{args.burst} Bash executions per burst, concurrency 2 per worker, on this machine:\n")
    print("| workers | executions/s | burst time | accept→claim p50 / p95 | claim→start p50 / p95 | runs per worker |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['workers']} | {row['throughput']:.1f} | {row['elapsed']:.1f} s | "
              f"{row['accept_claim_p50']:.0f} / {row['accept_claim_p95']:.0f} ms | "
              f"{row['claim_start_p50']:.0f} / {row['claim_start_p95']:.0f} ms | {row['spread']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
