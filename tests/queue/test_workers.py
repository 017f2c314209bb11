"""Three `stellascript worker` processes, each with its own Podman service and
storage, sharing one PostgreSQL with a server that runs nothing itself
(execute_locally = False): every execution runs exactly once, where its tags
allow; cancels reach remote runs; live logs come through the database in order."""

from __future__ import annotations

import collections
import json
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.queue.conftest import (
    SETTINGS,
    RunningWorker,
    create_script,
    record,
    submit,
    terminal,
    wait_for_workers,
    workers_of,
)
from tests.servers import RunningServer, json_of, sse_events, wait_for

COUNT = int(os.environ.get("STELLASCRIPT_QUEUE_TEST_COUNT", "300"))
# Each run tells a counter on the host that it ran (network host: the host's loopback).
HIT = ('id=$(jq -r .id /scripts/args.json)\nexec 3<>/dev/tcp/127.0.0.1/$(jq -r .port /scripts/args.json)\n'
       'printf "GET /hit/%s HTTP/1.0\\r\\n\\r\\n" "$id" >&3\ncat <&3 >/dev/null\necho "hit $id"\n')
SLEEPER = 'echo started\nsleep 120\necho never\n'
TICKER = 'for i in $(seq 1 20); do echo "tick $i $(date +%s.%N)"; sleep 0.05; done\n'
WORKER_SETTINGS = {**SETTINGS, "allow_host_network": True}


class Counter(BaseHTTPRequestHandler):
    hits: collections.Counter = collections.Counter()
    lock = threading.Lock()

    def do_GET(self) -> None:
        with self.lock:
            self.hits[self.path.removeprefix("/hit/")] += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args) -> None:
        return


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, postgres, podman_services, runtime_images):
    root = tmp_path_factory.mktemp("queue-cluster")
    db_url = postgres.create_database(f"q_{uuid.uuid4().hex[:10]}")
    server = RunningServer(root / "server", db_url=db_url, settings={
        **SETTINGS, "execute_locally": False, "placement_timeout": "5s", "allow_host_network": True}).start()
    key = root / "server" / "secret.key"
    workers = [RunningWorker(root / f"worker-{name}", db_url, service.url, tags=tags, concurrency=2, secret_key_file=key,
                             worker_id=f"worker-{name}", settings=WORKER_SETTINGS)
               for name, tags, service in zip("abc", ({"site": "a-only"}, {}, {}), podman_services)]
    for worker in workers:
        worker.start()
    token = server.token("queue-user", admin=True)
    try:
        wait_for_workers(server, token, {w.id for w in workers})
        yield server, workers, token, db_url, root
    finally:
        for worker in workers:
            worker.stop()
        server.stop()


def test_workers_are_listed_with_their_tags_engine_and_heartbeat(cluster):
    server, workers, token, _db, _root = cluster
    listed = {w["id"]: w for w in workers_of(server, token)}
    for worker in workers:
        row = listed[worker.id]
        assert row["kind"] == "worker" and row["tags"] == worker.tags and row["concurrency"] == 2, row
        assert row["engine"] == worker.engine and row["claiming"] is True and row["version"], row
        assert row["last_heartbeat"] and row["host"]
    assert server.request("GET", "/workers").status_code == 401


# Six runs at a time on two shared cores: minutes on a loaded machine.
@pytest.mark.timeout(1200)
def test_300_executions_each_run_exactly_once_spread_over_three_workers(cluster):
    server, workers, token, _db, _root = cluster
    Counter.hits = collections.Counter()
    counter = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=counter.serve_forever, daemon=True).start()
    executions: list[str] = []
    try:
        script_id = create_script(server, token, "hit", HIT)
        ids = [f"run-{index}" for index in range(COUNT)]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as clients:
            executions = list(clients.map(lambda run_id: submit(
                server, token, script_id, arguments={"id": run_id, "port": str(counter.server_port)},
                network_mode="host"), ids))
        records = [terminal(server, token, execution_id, 1000) for execution_id in executions]
        elapsed = time.monotonic() - started
    except BaseException:
        # The module's other tests share these workers: none waits behind what this one left queued.
        cancel_unfinished(server, token, executions)
        raise
    finally:
        counter.shutdown()
    assert [r["status"] for r in records] == ["Succeeded"] * COUNT, [r for r in records if r["status"] != "Succeeded"][:3]
    # From the records: each ran once, its own arguments.
    assert all(len(r["attempts"]) == 1 for r in records)
    assert [r["stdout"] for r in records] == [f"hit {run_id}\n" for run_id in ids]
    # From the host: each id reached the counter exactly once, none more, none missing.
    assert Counter.hits == collections.Counter({run_id: 1 for run_id in ids}), Counter.hits.most_common(3)
    spread = collections.Counter(r["worker_id"] for r in records)
    assert set(spread) == {w.id for w in workers}, spread
    assert min(spread.values()) >= COUNT // 10, spread
    print(f"\n{COUNT} executions on 3 workers in {elapsed:.1f}s: {dict(spread)}")
    # Per-worker metrics: each worker's count of Succeeded covers what it ran here (beaten in within a second or two).
    wait_for(lambda: all(w["metrics"].get("Succeeded", 0) >= spread[w["id"]] for w in workers_of(server, token)
                         if w["id"] in spread), 30, "the workers' metrics")
    scraped = server.request("GET", "/metrics", token=token).text
    for worker in workers:
        assert f'stella_queue_worker_executions_total{{outcome="Succeeded",worker="{worker.id}"}}' in scraped, scraped[-2000:]
        assert f'stella_queue_worker_concurrency{{worker="{worker.id}"}} 2.0' in scraped


def test_a_tag_only_one_worker_has_sends_every_run_there(cluster):
    server, _workers, token, _db, _root = cluster
    script_id = create_script(server, token, "tagged", 'echo "on $(hostname)"\n')
    executions = [submit(server, token, script_id, tags={"site": "a-only"}) for _ in range(8)]
    records = [terminal(server, token, execution_id) for execution_id in executions]
    assert {r["worker_id"] for r in records} == {"worker-a"}, [r["worker_id"] for r in records]
    assert all(r["status"] == "Succeeded" and r["tags"] == {"site": "a-only"} for r in records)


def test_tags_no_live_worker_has_end_no_worker_naming_them(cluster):
    server, _workers, token, _db, _root = cluster
    script_id = create_script(server, token, "nowhere", "echo never\n")
    execution_id = submit(server, token, script_id, tags={"site": "nowhere"})
    done = terminal(server, token, execution_id, 60)
    assert (done["status"], done["termination_reason"]) == ("Error", "no_worker"), done
    assert "site=nowhere" in done["error"] and done["started_at"] is None, done


def test_cancel_of_a_queued_and_of_a_remote_running_execution(cluster):
    server, _workers, token, _db, _root = cluster
    script_id = create_script(server, token, "sleeper", SLEEPER)
    running = submit(server, token, script_id)
    wait_for(lambda: record(server, token, running)["status"] == "Running", 60, "the sleeper to run")
    assert _streamed(server, token, running), "its first line, live"
    asked = time.monotonic()
    assert server.request("POST", f"/scripts/executions/{running}/cancel", token=token).status_code == 200
    done = terminal(server, token, running, 30)
    assert (done["status"], done["termination_reason"]) == ("Cancelled", "cancelled"), done
    assert time.monotonic() - asked < 10
    assert done["worker_id"].startswith("worker-")
    # Queued: tagged for a site no worker has, with a placement timeout of 5 s.
    queued = submit(server, token, script_id, tags={"site": "later"})
    assert record(server, token, queued)["status"] == "Queued"
    cancelled = json_of(server.request("POST", f"/scripts/executions/{queued}/cancel", token=token))
    assert cancelled["status"] == "Cancelled" and cancelled["started_at"] is None, cancelled


def cancel_unfinished(server: RunningServer, token: str, executions: list[str]) -> None:
    for execution_id in executions:
        if record(server, token, execution_id)["status"] in ("Queued", "Running"):
            server.request("POST", f"/scripts/executions/{execution_id}/cancel", token=token)


def _streamed(server: RunningServer, token: str, execution_id: str) -> bool:
    with requests.get(f"{server.url}/scripts/executions/{execution_id}/logs", headers={"Authorization": f"token {token}"},
                      stream=True, timeout=30) as response:
        for line in response.iter_lines(decode_unicode=True):
            if line.startswith("data:") and "started" in line:
                return True
    return False


def test_live_logs_from_a_remote_worker_arrive_in_order_while_it_runs(cluster):
    server, _workers, token, _db, _root = cluster
    script_id = create_script(server, token, "ticker", TICKER)
    execution_id = submit(server, token, script_id)
    with requests.get(f"{server.url}/scripts/executions/{execution_id}/logs", headers={"Authorization": f"token {token}"},
                      stream=True, timeout=60) as response:
        assert response.status_code == 200
        events = list(sse_events(response))
    wall = time.time() - time.monotonic()
    arrivals = [(arrived, data) for event, data, arrived in events if event == "stdout"]
    text = "".join(data for _, data in arrivals)
    lines = text.splitlines()
    assert [line.split()[:2] for line in lines] == [["tick", str(i)] for i in range(1, 21)], text
    assert len(arrivals) > 3, "streamed in pieces while it ran, not in one piece at the end"
    assert arrivals[-1][0] - arrivals[0][0] > 0.5
    # Written in the container → read by the API client, through the worker, the database and the server.
    delays = sorted(arrived + wall - float(data.splitlines()[0].split()[2]) for arrived, data in arrivals)
    median = delays[len(delays) // 2]
    print(f"\nlive log delay over the database: p50 {median * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms")
    assert median < 0.5, delays
    done = record(server, token, execution_id)
    assert done["status"] == "Succeeded" and done["stdout"] == text


def test_kill_9_of_a_worker_mid_run_ends_its_runs_executor_lost_or_retries_once(cluster, podman_services):
    server, _workers, token, db_url, root = cluster
    doomed = RunningWorker(root / "worker-doomed", db_url, podman_services[2].url, tags={"site": "doomed"},
                           concurrency=2, worker_id="worker-doomed", settings=WORKER_SETTINGS).start()
    successor = None
    try:
        wait_for_workers(server, token, {doomed.id})
        sleeper = create_script(server, token, "doomed-sleeper", "echo started\nsleep 120\n")
        lost = submit(server, token, sleeper, tags={"site": "doomed"})
        retried = submit(server, token, sleeper, tags={"site": "doomed"}, retry_on_executor_loss=True)
        wait_for(lambda: all(record(server, token, e)["status"] == "Running" for e in (lost, retried)), 120,
                 "both to run on the doomed worker")
        assert {record(server, token, e)["worker_id"] for e in (lost, retried)} == {"worker-doomed"}
        # Another worker with that tag, alive before the kill: the retry goes there.
        successor = RunningWorker(root / "worker-successor", db_url, podman_services[2].url, tags={"site": "doomed"},
                                  worker_id="worker-successor", settings=WORKER_SETTINGS).start()
        wait_for_workers(server, token, {successor.id})
        doomed.kill()
        done = terminal(server, token, lost, 60)
        assert (done["status"], done["termination_reason"]) == ("Error", "executor_lost"), done
        assert "worker-doomed" in done["error"] and [a["outcome"] for a in done["attempts"]] == ["executor_lost"], done
        wait_for(lambda: record(server, token, retried)["worker_id"] == "worker-successor"
                 and record(server, token, retried)["status"] == "Running", 120, "the second attempt")
        server.request("POST", f"/scripts/executions/{retried}/cancel", token=token)
        final = terminal(server, token, retried, 60)
        assert final["status"] == "Cancelled", final
        assert [(a["worker_id"], a["outcome"]) for a in final["attempts"]] == [
            ("worker-doomed", "executor_lost"), ("worker-successor", "Cancelled")], final["attempts"]
    finally:
        doomed.kill()
        if successor is not None:
            successor.stop()


def test_a_run_on_a_remote_worker_notifies_its_start_and_failure_once(cluster):
    from tests.notifications.receiver import Receiver

    server, _workers, token, _db, _root = cluster
    script_id = create_script(server, token, "notifies", 'echo "failing on a worker"\nexit 4\n')
    receiver = Receiver()
    try:
        response = server.request("PUT", f"/scripts/{script_id}/notifications", token=token, json={"notifications": [
            {"on": ["start", "failure"], "webhook": f"{receiver.url}/remote"}]})
        assert response.status_code == 200, response.text
        execution_id = submit(server, token, script_id)
        done = terminal(server, token, execution_id)
        assert done["status"] == "Failed" and done["worker_id"].startswith("worker-"), done
        got = receiver.wait_for(lambda got: len(got) >= 2, timeout_s=30)
        time.sleep(2)  # two sweeps more: nothing is sent twice
        assert len(receiver.received) == 2, receiver.received
        texts = sorted(json.dumps(item["body"]) for item in got)
        assert all(execution_id in text for text in texts)
        assert any('"start"' in text for text in texts) and any('"failure"' in text for text in texts), texts
    finally:
        receiver.close()
