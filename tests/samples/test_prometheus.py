"""prometheus-query (Python, prometheus-api-client 0.5.4) against Debian's
Prometheus, which scrapes a real exporter: the samples server's own
/metrics. A second job points at a port nothing listens on, so its `up` is 0."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.samples.http_target import HttpTarget
from tests.samples.library import SampleRunner, covers
from tests.servers import API, RunningServer, free_port, stop_process_group

pytestmark = pytest.mark.slow

CONFIG = """global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: stellascript
    metrics_path: {metrics}
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
  - job_name: stellascript-standby
    metrics_path: {metrics}
    static_configs: [{{targets: ["127.0.0.1:{closed}"]}}]
"""


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory, samples_server: RunningServer, http_service: HttpTarget) -> Iterator[str]:
    binary = shutil.which("prometheus")
    assert binary, "Debian's prometheus is not installed (make system-packages installs it)"
    root: Path = tmp_path_factory.mktemp("prometheus")
    (root / "prometheus.yml").write_text(CONFIG.format(metrics=f"{API}/metrics", port=samples_server.port,
                                                       closed=http_service.closed_port))
    port = free_port()
    with open(root / "prometheus.log", "wb") as output:  # Prometheus keeps its own copy of the descriptor
        process = subprocess.Popen(
            [binary, f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        # Ready when both jobs have been scraped once (the standby one failing).
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (root / "prometheus.log").read_text()[-3000:]
            try:
                result = requests.get(f"{url}/api/v1/query", params={"query": "up"}, timeout=2).json()["data"]["result"]
                if {series["metric"]["job"] for series in result} == {"stellascript", "stellascript-standby"}:
                    break
            except (requests.ConnectionError, KeyError, ValueError):
                pass
            assert time.monotonic() < deadline, (root / "prometheus.log").read_text()[-3000:]
            time.sleep(0.3)
        yield url
    finally:
        stop_process_group(process, grace_s=3)  # a throw-away TSDB: no need to wait for its shutdown


@covers("prometheus-query")
def test_prometheus_query_passes_when_every_series_meets_the_threshold(samples: SampleRunner, prometheus: str) -> None:
    run = samples.run("prometheus-query", {"prometheus_url": prometheus, "query": 'up{job="stellascript"}',
                                           "operator": "==", "threshold": 1})
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["healthy"], out["passed"], out["failed"]) == (True, 1, 0)
    (series,) = out["series"]
    assert (series["labels"]["job"], series["value"], series["ok"]) == ("stellascript", 1.0, True)
    assert run.lines("✓")[0].startswith('✓ up{instance="127.0.0.1:') and run.lines("✓")[0].endswith("= 1 (must be == 1)")

    # A metric of the exporter itself: the server created scripts (the samples this session saved).
    run = samples.run("prometheus-query", {"prometheus_url": prometheus, "query": "sum(stella_scripts_total)", "threshold": 1})
    assert run.exit_code == 0, run.describe()
    assert run.outputs["series"][0]["value"] >= 1


@covers("prometheus-query")
def test_prometheus_query_fails_on_a_down_target_an_empty_result_and_a_bad_query(samples: SampleRunner, prometheus: str) -> None:
    run = samples.run("prometheus-query", {"prometheus_url": prometheus, "query": "up", "operator": "==", "threshold": 1})
    assert run.exit_code == 1, run.describe()
    out = run.outputs
    assert (out["passed"], out["failed"], out["healthy"]) == (1, 1, False)
    assert {s["labels"]["job"]: s["ok"] for s in out["series"]} == {"stellascript": True, "stellascript-standby": False}
    assert len(run.lines("✗")) == 1 and 'job="stellascript-standby"' in run.lines("✗")[0]

    run = samples.run("prometheus-query", {"prometheus_url": prometheus, "query": 'up{job="nonexistent"}', "threshold": 1})
    assert run.exit_code == 1, run.describe()
    assert run.outputs["series"] == [] and run.lines("✗") == ["✗ 0 series returned (at least 1 expected)"]

    run = samples.run("prometheus-query", {"prometheus_url": prometheus, "query": "up{", "threshold": 1})
    assert run.exit_code == 2, run.describe()
    assert "could not run" in run.stdout
