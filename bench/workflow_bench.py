#!/usr/bin/env python3
"""Workflow latency through the REST API of a real `stellascript serve`.

    warm     a 10-step workflow over all six languages (six in parallel, then
             four that read their outputs), run with ?wait=true after the
             first run: compile cache filled, pool warm
    first    its first run right after saving (the save's preload has run)
    fan-out  one Bash step over 50 items, max_parallel 10

A benchmark, not a test (bench/README.md). Every run must succeed.

    .venv/bin/python bench/workflow_bench.py --runs 10
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

STELLASCRIPT = str(Path(sys.executable).with_name("stellascript"))
POOLS = {"python": {"min_containers": 2}, "bash": {"min_containers": 3}, "go": {"min_containers": 2},
         "typescript": {"min_containers": 2}, "java": {"min_containers": 1}, "csharp": {"min_containers": 1}}
PUBLISH = {
    "python": "import json, os\njson.dump({'lang': 'python'}, open(os.environ['STELLASCRIPT_OUTPUT'], 'w'))\n",
    "bash": 'echo \'{"lang": "bash"}\' > "$STELLASCRIPT_OUTPUT"\n',
    "go": 'package main\n\nimport "os"\n\nfunc main() {\n\tos.WriteFile(os.Getenv("STELLASCRIPT_OUTPUT"), []byte(`{"lang": "go"}`), 0o644)\n}\n',
    "java": 'import java.nio.file.*;\n\npublic class Main {\n    public static void main(String[] a) throws Exception {\n'
            '        Files.writeString(Path.of(System.getenv("STELLASCRIPT_OUTPUT")), "{\\"lang\\": \\"java\\"}");\n    }\n}\n',
    "typescript": 'import * as fs from "fs";\nfs.writeFileSync(process.env.STELLASCRIPT_OUTPUT as string, JSON.stringify({lang: "typescript"}));\n',
    "csharp": 'using System;\nusing System.IO;\n\nclass Program\n{\n    static void Main()\n    {\n'
              '        File.WriteAllText(Environment.GetEnvironmentVariable("STELLASCRIPT_OUTPUT"), "{\\"lang\\": \\"csharp\\"}");\n    }\n}\n',
}
ITEM = 'jq -c \'{item: .item}\' /scripts/args.json > "$STELLASCRIPT_OUTPUT"\n'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, data: Path) -> None:
        self.data, self.port = data, free_port()
        config = data / "jupyter_server_config.py"
        config.write_text(f"c.StellaScript.pool_sizes = {POOLS!r}\nc.StellaScript.max_concurrent = 16\n")
        env = {**os.environ, "STELLASCRIPT_DATA": str(data)}
        self.process = subprocess.Popen([STELLASCRIPT, "serve", "--port", str(self.port), "--data", str(data), "--config", str(config)],
                                        stdout=open(data / "server.log", "ab"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}/stellascript/api/v1"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/health", timeout=2).json().get("engine") == "ready":
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        token = subprocess.run([STELLASCRIPT, "token", "create", "--user", "bench", "--data", str(data)],
                               check=True, capture_output=True, text=True).stdout.strip()
        self.headers = {"Authorization": f"token {token}"}

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        response = requests.request(method, f"{self.url}{path}", json=body, headers=self.headers, timeout=600)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)


def timed_run(server: Server, workflow_id: str) -> float:
    started = time.perf_counter()
    run = server.call("POST", f"/workflows/{workflow_id}/run?wait=true", {})
    elapsed = time.perf_counter() - started
    if run["status"] != "Succeeded":
        sys.exit(f"run failed: {json.dumps([(s['id'], s['status'], s['error']) for s in run['steps']])}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stella-wf-bench-") as folder:
        server = Server(Path(folder))
        try:
            marker = uuid.uuid4().hex[:8]
            ids = {language: server.call("POST", "/scripts", {"name": f"bench-{language}-{marker}", "language": language,
                                                              "content": content})["id"] for language, content in PUBLISH.items()}
            steps = [{"id": language, "script": ids[language]} for language in PUBLISH]
            for language in ("python", "bash", "go", "typescript"):
                steps.append({"id": f"{language}-2", "script": ids[language], "needs": list(PUBLISH),
                              "arguments": {"seen": "${{ steps.java.outputs.lang }} ${{ steps.csharp.outputs.lang }}"}})
            saved = server.call("POST", "/workflows", {"name": f"bench-{marker}", "definition": {"steps": steps, "max_concurrent": 10}})
            first = timed_run(server, saved["id"])
            warm = [timed_run(server, saved["id"]) for _ in range(args.runs)]
            item_script = server.call("POST", "/scripts", {"name": f"bench-item-{marker}", "language": "bash", "content": ITEM})["id"]
            fan = server.call("POST", "/workflows", {"name": f"bench-fan-{marker}", "definition": {"steps": [
                {"id": "items", "script": item_script, "for_each": list(range(50)), "max_parallel": 10,
                 "arguments": {"item": "${{ item }}"}}]}})
            fan_out = [timed_run(server, fan["id"]) for _ in range(3)]
        finally:
            server.stop()
    print(f"10 steps, six languages: first run after save {first:.2f} s; warm p50 {statistics.median(warm):.2f} s, "
          f"min {min(warm):.2f} s, max {max(warm):.2f} s over {len(warm)} runs")
    print(f"fan-out of 50 Bash items, max_parallel 10: p50 {statistics.median(fan_out):.2f} s "
          f"(min {min(fan_out):.2f}, max {max(fan_out):.2f}) over {len(fan_out)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
