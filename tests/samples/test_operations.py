"""service-restart (Bash) against a real service manager the test watches:
Supervisor (supervisord, from PyPI) stands in for systemd — a sandboxed run
has no systemd bus, and Supervisor's XML-RPC API over HTTP is what the sample
drives. It manages a real HTTP service (python3 -m http.server) and a
program that cannot start. Also disk-space-check (Bash) against the run's
own filesystems, and system-report (Python)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.samples.library import SampleRunner, covers
from tests.servers import free_port, stop_process_group

pytestmark = pytest.mark.slow

SUPERVISOR_PASSWORD = "sup-Pa55-0f-ops"
CONFIG = """[supervisord]
nodaemon = true
logfile = {root}/supervisord.log
pidfile = {root}/supervisord.pid
childlogdir = {root}

[inet_http_server]
port = 127.0.0.1:{port}
username = ops
password = {password}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:web]
command = {python} -m http.server {web_port} --bind 127.0.0.1 --directory {root}
startsecs = 1

[program:broken]
command = sh -c "echo cannot open config >&2; exit 3"
autostart = false
startsecs = 1
startretries = 0
"""


class Supervisor:
    def __init__(self, root: Path) -> None:
        self.port, self.web_port = free_port(), free_port()
        config = root / "supervisord.conf"
        config.write_text(CONFIG.format(root=root, port=self.port, password=SUPERVISOR_PASSWORD,
                                        python=sys.executable, web_port=self.web_port))
        supervisord = Path(sys.executable).with_name("supervisord")
        self.process = subprocess.Popen([str(supervisord), "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        self.api = xmlrpc.client.ServerProxy(f"http://ops:{SUPERVISOR_PASSWORD}@127.0.0.1:{self.port}/RPC2").supervisor
        self.log = root / "supervisord.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def info(self, name: str) -> dict:
        return self.api.getProcessInfo(name)

    def wait_running(self, name: str, timeout_s: float = 30) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            assert self.process.poll() is None, self.log.read_text()
            try:
                info = self.info(name)
                if info["statename"] == "RUNNING":
                    return info
            except (ConnectionError, OSError, xmlrpc.client.Fault):
                pass
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.2)


@pytest.fixture(scope="module")
def supervisor(tmp_path_factory) -> Iterator[Supervisor]:
    manager = Supervisor(tmp_path_factory.mktemp("supervisor"))
    try:
        manager.wait_running("web")
        yield manager
    finally:
        stop_process_group(manager.process, grace_s=15)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


@covers("service-restart")
def test_service_restart_replaces_the_process_and_waits_for_health(samples: SampleRunner, supervisor: Supervisor) -> None:
    before = supervisor.wait_running("web")["pid"]
    password = samples.secret("supervisor-password", SUPERVISOR_PASSWORD)
    run = samples.run("service-restart", {"supervisor_url": supervisor.url, "service": "web", "username": "ops",
                                          "password": password, "health_url": f"http://127.0.0.1:{supervisor.web_port}/"})
    assert run.exit_code == 0, run.describe()
    after = supervisor.info("web")
    out = run.outputs
    assert (out["restarted"], out["healthy"], out["state"], out["health_status"]) == (True, True, "RUNNING", 200)
    assert (out["pid_before"], out["pid_after"]) == (before, after["pid"]) and after["pid"] != before
    assert not alive(before) and alive(after["pid"])  # the old process is gone, the new one serves
    assert requests.get(f"http://127.0.0.1:{supervisor.web_port}/", timeout=5).status_code == 200
    assert run.lines("✓") == [f"✓ web is RUNNING (pid {before})", "✓ stopped web",
                              f"✓ web is RUNNING again (pid {before} → {after['pid']})",
                              f"✓ http://127.0.0.1:{supervisor.web_port}/ answers 200"]
    assert SUPERVISOR_PASSWORD not in run.stdout + run.record["stderr"]


@covers("service-restart")
def test_service_restart_fails_when_the_service_does_not_come_back(samples: SampleRunner, supervisor: Supervisor) -> None:
    password = samples.secret("supervisor-password", SUPERVISOR_PASSWORD)
    login = {"supervisor_url": supervisor.url, "username": "ops", "password": password}
    run = samples.run("service-restart", {**login, "service": "broken"})
    assert run.exit_code == 1, run.describe()
    out = run.outputs
    assert (out["restarted"], out["healthy"]) == (False, False)
    assert out["state"] in ("BACKOFF", "FATAL") and "did not start" in out["error"]
    assert supervisor.info("broken")["statename"] in ("BACKOFF", "FATAL")

    # Restarted, but its health URL never answers.
    run = samples.run("service-restart", {**login, "service": "web", "health_url": f"http://127.0.0.1:{free_port()}/",
                                          "timeout_s": 2})
    assert run.exit_code == 1, run.describe()
    assert (run.outputs["restarted"], run.outputs["healthy"], run.outputs["health_status"]) == (True, False, 0)

    run = samples.run("service-restart", {**login, "service": "nosuch"})
    assert run.exit_code == 2 and run.outputs["error"] == "BAD_NAME: nosuch", run.describe()
    wrong = samples.secret("supervisor-wrong-password", "not-it")
    run = samples.run("service-restart", {**login, "password": wrong, "service": "web"})
    assert run.exit_code == 2 and "401" in run.outputs["error"], run.describe()
    assert run.lines("✗") == [f"✗ cannot reach Supervisor at {supervisor.url}: {run.outputs['error'].split(': ', 1)[1]}"]


@covers("disk-space-check")
def test_disk_space_check_passes_on_the_runs_own_tmp(samples: SampleRunner) -> None:
    run = samples.run("disk-space-check", {"path": "/tmp", "max_percent": 50, "min_free_mb": 32, "max_inode_percent": 50})
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["healthy"], out["problems"], out["mount_point"], out["fs_type"]) == (True, [], "/tmp", "tmpfs")
    assert out["used_kb"] + out["available_kb"] == out["size_kb"] > 0
    assert len(run.lines("✓")) == 3


@covers("disk-space-check")
def test_disk_space_check_fails_when_too_full_or_missing(samples: SampleRunner) -> None:
    run = samples.run("disk-space-check", {"path": "/tmp", "min_free_mb": 100000})
    assert run.exit_code == 1, run.describe()
    tmp_mb = run.outputs["available_kb"] // 1024
    assert run.outputs["problems"] == [f"{tmp_mb} MiB free, at least 100000 MiB needed"]
    run = samples.run("disk-space-check", {"path": "/", "max_percent": 0})  # the image is never empty
    assert run.exit_code == 1 and run.outputs["used_percent"] > 0, run.describe()
    run = samples.run("disk-space-check", {"path": "/no/such/mount"})
    assert run.exit_code == 2 and "does not exist" in run.record["stderr"], run.describe()


@covers("system-report")
def test_system_report_passes_in_a_run_without_network(samples: SampleRunner) -> None:
    run = samples.run("system-report", {"title": "release 1.4 smoke", "expect_network": "none"}, network_mode="none")
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["title"], out["healthy"], out["network_interfaces"]) == ("release 1.4 smoke", True, ["lo"])
    assert out["writable"] == {"/": False, "/scripts": False, "/work": True, "/tmp": True}
    assert run.lines("✓") == ["✓ /work and /tmp are writable; /, /scripts are not", "✓ network interfaces: lo (expected lo only)"]


@covers("system-report")
def test_system_report_fails_when_the_run_has_more_network_than_expected(samples: SampleRunner) -> None:
    run = samples.run("system-report", {"expect_network": "none"})  # network host: the host's interfaces
    assert run.exit_code == 1, run.describe()
    assert run.outputs["healthy"] is False and len(run.outputs["network_interfaces"]) > 1
    assert run.lines("✗")[0].startswith("✗ network interfaces: ")
