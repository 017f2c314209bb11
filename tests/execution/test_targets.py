"""Target containers, attacked for real: a run joins a real target container's
network namespace (network mode container:<id>) and nothing else of it.

Every target here is started by tests/targets.py from the python runtime image
and serves HTTP on 127.0.0.1 inside its own network namespace only. The tests
check that a run with the target reaches it at localhost and runs without it
do not; that /scripts/target.json describes it without environment values;
that the run's hardening is unchanged (its own PID namespace, files and user,
no capabilities, no engine socket, read-only root) as the run sees it and as
the engine reports it; that a targeted run is never a warm container; and that
containers that are not targets end the run Error naming them. The REST side
(400s, teams, records, workflow steps) is tests/execution/test_targets_api.py.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine
from jupyter_stellascript.execution.models import ExecutionRequest, ExecutionStatus, NetworkMode, TerminationReason
from jupyter_stellascript.execution.pool import ContainerSpec, PoolTarget
from jupyter_stellascript.execution.sandbox import MANAGED_LABEL
from jupyter_stellascript.languages import LANGUAGES
from jupyter_stellascript.targets.models import TargetDescription
from tests.servers import STELLASCRIPT
from tests.targets import remove_test_targets, start_target, target_container

pytestmark = pytest.mark.slow

HEALTH = {"/health": (200, {"status": "ok"}), "/status": (200, {"version": "1.4.2"})}
FETCH = """
import json, sys, urllib.request
url = json.load(open("/scripts/args.json"))["url"]
try:
    with urllib.request.urlopen(url, timeout=5) as answer:
        print(answer.status, answer.read().decode())
except Exception as error:
    print("unreachable:", type(error).__name__, error)
    sys.exit(1)
"""


@pytest.fixture(scope="module")
def target_engine(docker_client, runtime_images) -> Iterator[ExecutionEngine]:
    """Warm python containers (network none), so a targeted run that took one would show."""
    with ExecutionEngine(EngineSettings(allow_host_network=True), client=docker_client) as engine:
        engine.warm_up([LANGUAGES["python"]])
        assert engine.pool.wait_until_warm(120)
        yield engine
    remove_test_targets(docker_client)


@pytest.fixture(scope="module")
def target(docker_client, runtime_images):
    with target_container(docker_client, routes=HEALTH, environment={"TARGET_PASSWORD": "hunter2-do-not-leak"}) as running:
        yield running


def run(engine: ExecutionEngine, source: str, on_output=None, **options):
    return engine.execute(ExecutionRequest(language="python", source=source, timeout_s=60, **options), on_output=on_output)


def test_a_health_check_reaches_the_targets_loopback_and_nothing_else_does(target_engine, target) -> None:
    joined = run(target_engine, FETCH, arguments={"url": f"{target.url}/health"}, target=target.name)
    assert joined.status is ExecutionStatus.SUCCEEDED, joined.stderr + joined.stdout
    assert joined.stdout.strip() == '200 {"status": "ok"}'
    assert joined.target == {"container": target.name, "id": target.id, "name": target.name}
    assert not joined.pooled  # made for the run: its network namespace is the target's
    # The same check without the target: its own loopback (bridge), the host's (host): nothing listens there.
    for mode in (NetworkMode.BRIDGE, NetworkMode.HOST):
        alone = run(target_engine, FETCH, arguments={"url": f"{target.url}/health"}, network_mode=mode)
        assert alone.status is ExecutionStatus.FAILED and "unreachable" in alone.stdout, (mode, alone.stdout)
    # From the host, at the target's own bridge address: it serves on its loopback only.
    address = next(iter(target.inspect()["NetworkSettings"]["Networks"].values()))["IPAddress"]
    for host in ("127.0.0.1", address):
        with socket.socket() as probe, pytest.raises(OSError):
            probe.settimeout(3)
            probe.connect((host, target.port))


def test_target_json_describes_the_target_with_environment_names_only(target_engine, target) -> None:
    source = """
import json, pathlib
path = pathlib.Path("/scripts/target.json")
print(path.read_text())
try:
    path.write_text("{}")
    print("WRITABLE")
except OSError as error:
    print("read-only:", error.errno)
"""
    result = run(target_engine, source, target=target.id[:12])  # an id prefix names it too
    assert result.status is ExecutionStatus.SUCCEEDED, result.stderr
    described, _, tail = result.stdout.rpartition("}")
    described = json.loads(described + "}")
    assert described == TargetDescription.of(target.inspect()).to_json()
    assert described["id"] == target.id and described["name"] == target.name and described["state"] == "running"
    assert described["image"].endswith(target.image) and described["health"] is None
    assert {k: v for k, v in target.labels.items()} == {k: described["labels"][k] for k in target.labels}
    assert described["exposed_ports"] == [f"{target.port}/tcp"]
    assert "TARGET_PASSWORD" in described["environment_names"]
    assert "hunter2" not in result.stdout
    assert "read-only" in tail and "WRITABLE" not in tail
    assert result.target["container"] == target.id[:12] and result.target["id"] == target.id


HARDENING = """
import json, os, pathlib, sys
print("ready", flush=True)
go = pathlib.Path("/scripts/go")
import time
deadline = time.monotonic() + 30
while not go.exists() and time.monotonic() < deadline:  # the test inspects this container meanwhile
    time.sleep(0.05)
marker = json.load(open("/scripts/args.json"))["marker"]
status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
commands = []
for entry in pathlib.Path("/proc").iterdir():
    if entry.name.isdigit():
        try:
            commands.append((entry / "cmdline").read_bytes().replace(b"\\0", b" ").decode())
        except OSError:
            pass
def writable(path):
    try:
        pathlib.Path(path, "probe").write_text("x")
        return True
    except OSError:
        return False
sockets = ["/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock", "/var/run/podman/podman.sock"]
print(json.dumps({
    "uid": os.getuid(), "cap_eff": status["CapEff"].strip(), "no_new_privs": status["NoNewPrivs"].strip(),
    "server_visible": any("http.server" in c or "ThreadingHTTPServer" in c for c in commands),
    "processes": len(commands), "marker_visible": os.path.exists(marker),
    "root_writable": writable("/"), "sockets": [s for s in sockets if os.path.exists(s)],
    "go_seen": go.exists(),
}))
"""


def test_joining_the_network_shares_nothing_else_of_the_target(target_engine, target, docker_client) -> None:
    seen: dict = {}

    def inspect_when_ready(stream: str, data: bytes) -> None:
        if stream != "stdout" or seen or b"ready" not in data:
            return
        for info in docker_client.api.containers(filters={"label": f"{MANAGED_LABEL}=true"}):
            try:
                details = docker_client.api.inspect_container(info["Id"])
            except docker.errors.NotFound:  # another test's run container, removed since the listing
                continue
            if details["HostConfig"].get("NetworkMode") == f"container:{target.id}":
                seen.update(details)
                scripts = next(m["Source"] for m in details["Mounts"] if m["Destination"] == "/scripts")
                Path(scripts, "go").write_text("")
        seen.setdefault("missing", True)

    result = run(target_engine, HARDENING, on_output=inspect_when_ready, arguments={"marker": target.marker}, target=target.name)
    assert result.status is ExecutionStatus.SUCCEEDED, (result.error, result.stderr)
    inside = json.loads(result.stdout.splitlines()[-1])
    assert inside["go_seen"], "the test did not find the run's container while it ran"
    assert inside["uid"] >= 10000 and inside["cap_eff"] == "0000000000000000" and inside["no_new_privs"] == "1"
    assert not inside["server_visible"] and inside["processes"] <= 3  # the agent, python, maybe a shell: not the target's
    assert not inside["marker_visible"] and not inside["root_writable"] and inside["sockets"] == []
    host = seen["HostConfig"]
    dropped = {c.upper().removeprefix("CAP_") for c in host.get("CapDrop") or []}  # Podman lists what ALL dropped
    assert host["ReadonlyRootfs"] and not host.get("CapAdd")
    assert "ALL" in dropped or {"CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_BIND_SERVICE", "SETUID", "SETGID"} <= dropped
    assert host.get("PidMode") in ("", None, "private") and host.get("IpcMode") not in (f"container:{target.id}",)
    assert not host.get("VolumesFrom") and not host.get("Privileged")
    destinations = sorted(m["Destination"] for m in seen["Mounts"] if m.get("Type") == "bind")
    assert destinations == ["/opt/stellascript/bin/stellascript-agent", "/scripts"], seen["Mounts"]


def test_a_joined_spec_is_never_kept_warm(target_engine, target) -> None:
    spec = ContainerSpec("stella-runtime/python:latest", target_engine.limits_for(LANGUAGES["python"]), NetworkMode.NONE,
                         joined_container=target.id)
    assert spec.engine_network_mode == f"container:{target.id}" and spec.key != ContainerSpec(
        spec.image, spec.limits, NetworkMode.NONE).key
    with pytest.raises(ValueError, match="never kept warm"):
        target_engine.pool.configure(spec, PoolTarget(1, 2, 60))
    plain = run(target_engine, "print('warm')")
    assert plain.status is ExecutionStatus.SUCCEEDED and plain.pooled  # the pool itself works


def test_containers_that_are_not_targets_end_the_run_error_naming_them(target_engine, docker_client) -> None:
    unlabelled = start_target(docker_client, labels={})
    own = start_target(docker_client, labels={"io.stellascript.target": "true", MANAGED_LABEL: "true"})
    stopped = start_target(docker_client)
    stopped.stop()
    try:
        cases = {
            unlabelled.name: "lacks the label(s) io.stellascript.target=true",
            own.name: "one of Stella Script's own",
            stopped.name: "is not running (it is exited)",
            "stella-test-target-none-such": "there is no container 'stella-test-target-none-such'",
        }
        for name, message in cases.items():
            result = run(target_engine, "print('never')", target=name)
            assert result.status is ExecutionStatus.ERROR and result.termination_reason is TerminationReason.TARGET_UNAVAILABLE
            assert repr(name) in result.error and message in result.error, result.error
            assert result.stdout == "" and result.target is None
    finally:
        for container in (unlabelled, own, stopped):
            container.remove()


def test_stellascript_run_takes_a_target(target, tmp_path: Path) -> None:
    script = tmp_path / "health.py"
    script.write_text(FETCH)
    command = [STELLASCRIPT, "run", str(script), "--arg", f"url={target.url}/status"]
    joined = subprocess.run([*command, "--target", target.name], capture_output=True, text=True, timeout=180)
    assert joined.returncode == 0 and joined.stdout.strip() == '200 {"version": "1.4.2"}', joined.stderr
    alone = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert alone.returncode == 1 and "unreachable" in alone.stdout
    both = subprocess.run([*command, "--target", target.name, "--network", "bridge"], capture_output=True, text=True, timeout=60)
    assert both.returncode == 2 and "exclude each other" in both.stderr
    missing = subprocess.run([*command, "--target", "stella-test-target-none-such"], capture_output=True, text=True, timeout=180)
    assert missing.returncode == 2 and "there is no container 'stella-test-target-none-such'" in missing.stderr, missing.stderr


def test_descriptions_of_docker_and_podman_inspections() -> None:
    docker_shape = {"Id": "a" * 64, "Name": "/web", "Config": {"Image": "nginx:1.27", "Labels": {"x": "1"},
                                                               "Env": ["PASSWORD=s3cret", "PATH=/bin", "EMPTY="],
                                                               "ExposedPorts": {"80/tcp": {}}},
                    "State": {"Status": "running", "Health": {"Status": "healthy"}},
                    "NetworkSettings": {"Ports": {"443/tcp": None}}}
    described = TargetDescription.of(docker_shape).to_json()
    assert described == {"id": "a" * 64, "name": "web", "image": "nginx:1.27", "labels": {"x": "1"}, "state": "running",
                         "health": "healthy", "exposed_ports": ["443/tcp", "80/tcp"], "environment_names": ["EMPTY", "PASSWORD", "PATH"]}
    podman_shape = {"Id": "b" * 64, "Name": "db", "ImageName": "postgres:16", "Config": {"Env": None},
                    "State": {"Status": "running", "Healthcheck": {"Status": "starting"}}}
    assert TargetDescription.of(podman_shape).to_json()["health"] == "starting"
    assert "s3cret" not in json.dumps(described)
