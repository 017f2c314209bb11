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
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path


sys.path.insert(0, str(Path(__file__).parent))
from serving import BenchServer  # noqa: E402  (bench/ is not a package)

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


def timed_run(server: BenchServer, workflow_id: str) -> float:
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
        server = BenchServer(Path(folder), {"pool_sizes": POOLS, "max_concurrent": 16})
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
