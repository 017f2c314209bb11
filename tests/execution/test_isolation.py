"""Every isolation promise, attacked for real.

Each test runs a script that tries to break one promise of the sandbox (time,
memory, processes, network, filesystem, privileges, output, reuse, compile
cache) in a real runtime container, then checks from the host that the
promise held. Nothing is mocked: the host side looks at the real engine's
containers, cgroups, processes and folders.

Most scripts print their hostname first. Inside a container that is the first
12 characters of the container id, so the test can find (while the run is
going) exactly the container of that run, its cgroup and its slot folder,
even though the warm pool keeps other idle containers around.
"""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from jupyter_stellascript.execution.engine import EngineSettings, ExecutionEngine, InvalidRequest
from jupyter_stellascript.execution.models import (
    ExecutionRequest,
    ExecutionResult,
    ExecutionStatus,
    NetworkMode,
    TerminationReason,
)
from jupyter_stellascript.execution.policy import RunPolicy
from jupyter_stellascript.execution.sandbox import MANAGED_LABEL, NPROC_MARGIN
from jupyter_stellascript.execution.uids import SCRIPT_UIDS
from jupyter_stellascript.languages import LANGUAGES
from jupyter_stellascript.paths import data_dir
from tests.concurrency import run_concurrently
from tests.servers import RunningServer

pytestmark = pytest.mark.slow

MIB = 1024 * 1024
MANAGED = {"label": f"{MANAGED_LABEL}=true"}
OUTPUT_CAP = 64 * 1024  # what the `engine` fixture caps each stream at
GONE_TIMEOUT_S = 30.0
_CONTAINER_ID_PREFIX = re.compile(r"^[0-9a-f]{12}$")


def unique(prefix: str = "stella-iso") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# -- watching a run from the host ------------------------------------------------


class ContainerProbe:
    """An ``on_output`` listener that finds the run's own container.

    The script's first stdout line must be its hostname. As soon as it
    arrives (while the run is still going, so the container certainly exists)
    the probe looks the container up among the engine's managed containers and
    notes its id, its slot folder and its main process on the host.
    """

    def __init__(self, docker_client) -> None:
        self.client = docker_client
        self.stdout = bytearray()
        self.hostname: str | None = None
        self.container_id: str | None = None
        self.slot_dir: Path | None = None
        self.slot_existed = False
        self.host_pid: int | None = None
        self.agent_ids: dict[str, int] | None = None
        self.lookup_error: str | None = None
        self.found = threading.Event()

    def __call__(self, stream: str, data: bytes) -> None:
        if stream != "stdout":
            return
        self.stdout += data
        if self.hostname is None and b"\n" in self.stdout:
            self.hostname = self.stdout.split(b"\n", 1)[0].decode().strip()
            self._look_up()
            self.found.set()

    def _look_up(self) -> None:
        matches = [
            info["Id"]
            for info in self.client.api.containers(all=True, filters=MANAGED)
            if info["Id"].startswith(self.hostname)
        ]
        if len(matches) != 1:
            self.lookup_error = f"{len(matches)} managed containers match hostname {self.hostname!r}"
            return
        self.container_id = matches[0]
        details = self.client.api.inspect_container(self.container_id)
        self.host_pid = details["State"].get("Pid") or None
        self.agent_ids = process_ids(self.host_pid) if self.host_pid else None
        for mount in details.get("Mounts", []):
            if mount.get("Destination") == "/scripts":  # /work is a tmpfs; /scripts comes from the slot
                self.slot_dir = Path(mount["Source"]).parent
                self.slot_existed = (self.slot_dir / "scripts").is_dir()

    def assert_found(self) -> None:
        assert self.hostname is not None, f"the script never printed its hostname; stdout={bytes(self.stdout)[:300]!r}"
        assert _CONTAINER_ID_PREFIX.match(self.hostname), f"hostname {self.hostname!r} is not a container id prefix"
        assert self.lookup_error is None, self.lookup_error
        assert self.container_id is not None and self.slot_dir is not None
        assert self.slot_existed, f"the run's slot folder {self.slot_dir} was not where its /scripts mount said"


def managed_container_ids(docker_client) -> list[str]:
    return [info["Id"] for info in docker_client.api.containers(all=True, filters=MANAGED)]


def assert_container_and_slot_gone(docker_client, probe: ContainerProbe, timeout_s: float = GONE_TIMEOUT_S) -> None:
    """The run's container and its slot folder disappear (destruction runs in the background)."""
    probe.assert_found()
    deadline = time.monotonic() + timeout_s
    while True:
        remaining = [cid for cid in managed_container_ids(docker_client) if cid.startswith(probe.hostname)]
        slot_exists = probe.slot_dir.exists()
        if not remaining and not slot_exists:
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"{timeout_s:g}s after the run, container {probe.hostname} "
                f"{'still exists' if remaining else 'is gone'} and its slot {probe.slot_dir} "
                f"{'still exists' if slot_exists else 'is gone'}"
            )
        time.sleep(0.2)


def host_pids_matching(marker: str) -> list[int]:
    """Host processes whose command line contains ``marker`` (rootful: container processes are visible)."""
    finished = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    return [int(pid) for pid in finished.stdout.split()]


def wait_until_no_host_process(marker: str, timeout_s: float = GONE_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while (pids := host_pids_matching(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not pids, f"processes {pids} with {marker!r} in their command line survived the run"


def process_ids(host_pid: int) -> dict[str, int] | None:
    """Parent, process group and session of a host process, from /proc/<pid>/stat."""
    try:
        stat = Path(f"/proc/{host_pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return {"ppid": int(fields[1]), "pgrp": int(fields[2]), "session": int(fields[3])}


class HostProcessWatcher(threading.Thread):
    """Polls the host for a marker while a run goes, to prove the process really
    existed, and notes how it was related to the rest (parent, group, session)."""

    def __init__(self, marker: str) -> None:
        super().__init__(daemon=True)
        self.marker = marker
        self.seen: dict[int, dict[str, int]] = {}
        self.commands: dict[int, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in host_pids_matching(self.marker):
                ids = process_ids(pid)
                if ids is not None:
                    self.seen[pid] = ids
                    try:
                        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
                    except OSError:
                        continue
                    # A process that is exiting has an empty cmdline: keep what it was seen running as.
                    if command:
                        self.commands[pid] = command
            self.stop.wait(0.1)

    def finish(self) -> dict[int, dict[str, int]]:
        self.stop.set()
        self.join(timeout=10)
        return self.seen


def assert_escaped_daemon(seen: dict[int, dict[str, int]], probe: ContainerProbe) -> None:
    """At least one of the processes seen was a real daemon: re-parented to the
    container's first process (the agent) and in a session of its own."""
    assert seen, "the daemon never showed up on the host: the test did not exercise anything"
    agent = probe.agent_ids
    assert agent is not None
    escaped = [pid for pid, ids in seen.items() if ids["ppid"] == probe.host_pid and ids["session"] != agent["session"]]
    assert escaped, f"no process left the script's session: {seen} (agent {probe.host_pid}: {agent})"


def container_cgroup_dir(host_pid: int, controller: str) -> Path:
    """The host folder of a process's cgroup for one controller (cgroup v1 or v2)."""
    for line in Path(f"/proc/{host_pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return Path("/sys/fs/cgroup") / controller / path.lstrip("/")
    # cgroup v2: one unified hierarchy, the "0::" line
    for line in Path(f"/proc/{host_pid}/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            return Path("/sys/fs/cgroup") / line[3:].lstrip("/")
    raise AssertionError(f"no {controller} cgroup for host pid {host_pid}")


def run(engine: ExecutionEngine, language: str, source: str, **options) -> ExecutionResult:
    on_output = options.pop("on_output", None)
    cancelled = options.pop("cancelled", None)
    return engine.execute(ExecutionRequest(language=language, source=source, **options), on_output=on_output, cancelled=cancelled)


def _clip(text: str, keep: int = 600) -> str:
    return text if len(text) <= 2 * keep else f"{text[:keep]}...[{len(text) - 2 * keep} chars]...{text[-keep:]}"


def describe(result: ExecutionResult) -> str:
    return (
        f"status={result.status.value} exit={result.exit_code} reason={result.termination_reason} "
        f"error={result.error!r} duration={result.duration_ms}ms\n"
        f"stdout={_clip(result.stdout)!r}\nstderr={_clip(result.stderr)!r}"
    )


PRINT_HOSTNAME_PY = "import socket\nprint(socket.gethostname(), flush=True)\n"
PRINT_HOSTNAME_SH = 'cat /proc/sys/kernel/hostname\n'


# -- time ----------------------------------------------------------------------------


def test_script_sleeping_forever_is_killed_at_its_timeout(engine, docker_client):
    probe = ContainerProbe(docker_client)
    source = PRINT_HOSTNAME_PY + "import time\nwhile True:\n    time.sleep(1000)\n"
    started = time.monotonic()
    result = run(engine, "python", source, timeout_s=2, on_output=probe)
    elapsed = time.monotonic() - started

    assert result.status is ExecutionStatus.TIMED_OUT, describe(result)
    assert result.termination_reason is TerminationReason.TIMEOUT
    assert elapsed < 10, f"a 2 s timeout took {elapsed:.1f}s to take effect"
    assert result.duration_ms >= 1900, "the run ended before its timeout: it was not the timeout that stopped it"
    assert "timed out after 2s" in result.stderr
    assert_container_and_slot_gone(docker_client, probe)


DAEMON_SCRIPTS = {
    # The subshell exits at once, so the daemon is re-parented and in its own session.
    "bash": PRINT_HOSTNAME_SH + '(setsid bash -c \'exec -a "sleep-{marker}" sleep 1000\' &)\nsleep 1000\n',
    "python": PRINT_HOSTNAME_PY + """\
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep-{marker}", "1000"])
    os._exit(0)
os.wait()
time.sleep(1000)
""",
}


@pytest.mark.parametrize("language", sorted(DAEMON_SCRIPTS))
def test_double_forked_daemon_dies_with_a_timed_out_run(engine, docker_client, language):
    marker = unique()
    probe = ContainerProbe(docker_client)
    watcher = HostProcessWatcher(marker)
    watcher.start()
    try:
        # Long enough for the host-side watcher to see the daemon on a busy machine.
        result = run(engine, language, DAEMON_SCRIPTS[language].replace("{marker}", marker), timeout_s=6, on_output=probe)
    finally:
        seen = watcher.finish()

    assert result.status is ExecutionStatus.TIMED_OUT, describe(result)
    assert result.termination_reason is TerminationReason.TIMEOUT
    assert result.duration_ms < 15_000
    assert_escaped_daemon(seen, probe)
    assert_container_and_slot_gone(docker_client, probe)
    wait_until_no_host_process(marker)


def test_daemon_left_behind_by_a_finished_script_is_killed_and_does_not_hold_the_run(engine, docker_client):
    """The script ends on its own, leaving a same-group background job and an
    escaped (setsid) daemon that both hold its stdout: the run still finishes
    promptly with the script's own status, and both processes die."""
    marker = unique()
    probe = ContainerProbe(docker_client)
    watcher = HostProcessWatcher(marker)
    watcher.start()
    source = (
        PRINT_HOSTNAME_SH
        + f"(exec -a 'sleep-{marker}-job' sleep 1000) &\n"
        + f"(setsid bash -c \"exec -a 'sleep-{marker}-daemon' sleep 1000\" &)\n"
        + "sleep 1\necho finished\n"
    )
    try:
        result = run(engine, "bash", source, timeout_s=20, on_output=probe)
    finally:
        seen = watcher.finish()

    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.stdout.endswith("finished\n")
    assert result.duration_ms < 15_000, "processes left behind kept the run going after the script ended"
    commands = set(watcher.commands.values())
    assert f"sleep-{marker}-job 1000" in commands and f"sleep-{marker}-daemon 1000" in commands, commands
    assert_escaped_daemon(seen, probe)
    assert_container_and_slot_gone(docker_client, probe)
    wait_until_no_host_process(marker)


def test_cancel_stops_the_run_and_removes_its_container(engine, docker_client):
    probe = ContainerProbe(docker_client)
    cancelled = threading.Event()

    def cancel_a_second_after_start() -> None:
        if probe.found.wait(60):
            time.sleep(1.0)
        cancelled.set()

    canceller = threading.Thread(target=cancel_a_second_after_start, daemon=True)
    canceller.start()
    source = PRINT_HOSTNAME_PY + "import time\nwhile True:\n    time.sleep(1000)\n"
    started = time.monotonic()
    result = run(engine, "python", source, timeout_s=60, on_output=probe, cancelled=cancelled)
    elapsed = time.monotonic() - started
    canceller.join()

    assert result.status is ExecutionStatus.CANCELLED, describe(result)
    assert result.termination_reason is TerminationReason.CANCELLED
    assert elapsed < 15, f"cancellation took {elapsed:.1f}s"
    assert_container_and_slot_gone(docker_client, probe)


# -- memory --------------------------------------------------------------------------

MEMORY_BOMBS = {
    "python-loop": ("python", """\
print("allocating", flush=True)
blocks = []
while True:
    block = bytearray(1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    blocks.append(block)
"""),
    "python-one-huge-block": ("python", 'print("allocating", flush=True)\nblock = bytearray(400 * 1024 * 1024)\nprint("survived")\n'),
    "bash-string-doubling": ("bash", 'echo allocating\ns=x\nwhile true; do s="$s$s"; done\n'),
}


@pytest.mark.parametrize("bomb", sorted(MEMORY_BOMBS))
def test_allocation_bomb_is_stopped_at_the_memory_limit(engine, bomb):
    language, source = MEMORY_BOMBS[bomb]
    result = run(engine, language, source, memory_bytes=64 * MIB, timeout_s=60)

    assert result.status is ExecutionStatus.FAILED, describe(result)
    assert result.termination_reason is TerminationReason.MEMORY_LIMIT, describe(result)
    assert result.exit_code == 137, describe(result)
    assert result.stdout.startswith("allocating") and "survived" not in result.stdout
    assert "exceeded its memory limit of 64 MiB" in result.stderr
    assert result.peak_memory_bytes is not None and result.peak_memory_bytes <= 96 * MIB, describe(result)


def test_memory_limit_is_not_reported_for_runs_that_stay_under_it_or_kill_themselves(engine):
    """The other side of detection: no false MEMORY_LIMIT."""
    under = run(engine, "python", "b = bytearray(24 * 1024 * 1024)\nprint(len(b))\n", memory_bytes=64 * MIB, timeout_s=60)
    assert under.status is ExecutionStatus.SUCCEEDED, describe(under)
    assert under.termination_reason is None

    self_killed = run(engine, "python", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", memory_bytes=64 * MIB, timeout_s=60)
    assert self_killed.status is ExecutionStatus.FAILED, describe(self_killed)
    assert self_killed.exit_code == 137
    assert self_killed.termination_reason is None, describe(self_killed)


# -- processes -------------------------------------------------------------------------


def test_fork_bomb_is_contained_by_the_pids_limit(engine, docker_client):
    probe = ContainerProbe(docker_client)
    pids_limit = LANGUAGES["bash"].default_limits.pids
    observed = {"max_current": 0, "max_events": 0, "pids_max": None, "host_spawn_s": []}
    stop = threading.Event()

    def watch_cgroup_and_host() -> None:
        if not probe.found.wait(60) or probe.host_pid is None:
            return
        try:
            cgroup = container_cgroup_dir(probe.host_pid, "pids")
        except OSError:
            return
        while not stop.is_set():
            try:
                observed["pids_max"] = (cgroup / "pids.max").read_text().strip()
                observed["max_current"] = max(observed["max_current"], int((cgroup / "pids.current").read_text()))
                for line in (cgroup / "pids.events").read_text().splitlines():
                    key, value = line.split()
                    if key == "max":
                        observed["max_events"] = max(observed["max_events"], int(value))
            except OSError:
                break  # the container is gone
            # The host must stay usable: starting a process takes no time.
            began = time.monotonic()
            subprocess.run(["/bin/true"], check=True)
            observed["host_spawn_s"].append(time.monotonic() - began)
            stop.wait(0.05)

    watcher = threading.Thread(target=watch_cgroup_and_host, daemon=True)
    watcher.start()
    source = PRINT_HOSTNAME_SH + ":(){ :|:& };:\nsleep 30\n"
    started = time.monotonic()
    try:
        result = run(engine, "bash", source, timeout_s=8, on_output=probe)
    finally:
        stop.set()
        watcher.join(timeout=30)
    elapsed = time.monotonic() - started

    assert result.status in (ExecutionStatus.TIMED_OUT, ExecutionStatus.FAILED), describe(result)
    assert elapsed < 30, f"the fork bomb run took {elapsed:.1f}s to end"
    probe.assert_found()
    assert observed["pids_max"] == str(pids_limit), observed
    assert observed["max_events"] > 0, f"the bomb never hit the pids limit: {observed}"
    assert observed["max_current"] <= pids_limit, observed
    assert observed["host_spawn_s"], "the host was never checked while the bomb ran"
    assert max(observed["host_spawn_s"]) < 2.0, f"the host became sluggish: {max(observed['host_spawn_s']):.2f}s to start /bin/true"
    assert_container_and_slot_gone(docker_client, probe)

    after = run(engine, "bash", "echo still working\n", timeout_s=60)
    assert after.status is ExecutionStatus.SUCCEEDED, describe(after)
    assert after.stdout == "still working\n"


def test_a_script_holding_every_pid_still_gets_its_report(engine, docker_client):
    """The agent shares the container's pids limit with the script. With every
    pid taken, the agent must still stream output and report the exit (it used
    to die trying to start a thread, and the run ended as an engine error)."""
    probe = ContainerProbe(docker_client)
    source = PRINT_HOSTNAME_PY + """\
import os, time
children = 0
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(1000)
        os._exit(0)
    children += 1
print("children", children, flush=True)
end = time.monotonic() + 3
i = 0
while time.monotonic() < end:
    os.write(1, b"o" * (i % 5000 + 1))
    os.write(2, b"e" * (i % 300 + 1))
    i += 1
os.write(1, b"\\nexiting\\n")
os._exit(3)
"""
    result = run(engine, "python", source, timeout_s=60, on_output=probe)

    assert result.status is ExecutionStatus.FAILED, describe(result)
    assert result.exit_code == 3, describe(result)
    assert result.error is None and result.termination_reason is None, describe(result)
    children = int(result.stdout.splitlines()[1].split()[1])
    assert 200 < children < LANGUAGES["python"].default_limits.pids, result.stdout[:200]
    assert result.stdout_truncated and result.stderr_truncated
    assert_container_and_slot_gone(docker_client, probe)


# -- network ---------------------------------------------------------------------------


class TokenServer:
    """A TCP server on the host's loopback that greets every client with a token,
    and an abstract Unix socket (shared by network namespace) doing the same."""

    def __init__(self) -> None:
        self.token = unique("token")
        self.abstract_name = unique("stella-iso-abstract")
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.abstract_name)
        self.unix.listen()
        self.accepted = 0
        self._stopping = False
        self._threads = [threading.Thread(target=self._serve, args=(s,), daemon=True) for s in (self.tcp, self.unix)]
        for thread in self._threads:
            thread.start()

    def _serve(self, listener: socket.socket) -> None:
        listener.settimeout(0.2)
        while not self._stopping:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self.accepted += 1
                conn.sendall(self.token.encode() + b"\n")

    def close(self) -> None:
        self._stopping = True
        for thread in self._threads:
            thread.join(timeout=5)
        self.tcp.close()
        self.unix.close()


@pytest.fixture()
def token_server():
    server = TokenServer()
    yield server
    server.close()


NETWORK_PROBE = """\
import json, os, socket, sys
arguments = json.load(open("/scripts/args.json"))
port, abstract = int(arguments["port"]), arguments["abstract"]
found = {"interfaces": sorted(os.listdir("/sys/class/net"))}
def attempt(family, address):
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(3)
            s.connect(address)
            return "received " + s.makefile().readline().strip()
    except OSError as error:
        return "failed: " + type(error).__name__ + " " + str(error)
found["tcp"] = attempt(socket.AF_INET, ("127.0.0.1", port))
found["abstract"] = attempt(socket.AF_UNIX, "\\0" + abstract)
print(json.dumps(found))
"""


def network_probe(engine, server: TokenServer, mode: NetworkMode) -> dict:
    result = run(
        engine, "python", NETWORK_PROBE, network_mode=mode, timeout_s=60,
        arguments={"port": str(server.port), "abstract": server.abstract_name},
    )
    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    return json.loads(result.stdout)


def test_no_network_cannot_reach_the_host(engine, token_server):
    found = network_probe(engine, token_server, NetworkMode.NONE)

    assert found["interfaces"] == ["lo"], found
    assert found["tcp"].startswith("failed"), found
    assert found["abstract"].startswith("failed"), found
    assert token_server.token not in json.dumps(found)
    assert token_server.accepted == 0


def test_host_network_reaches_the_host_when_allowed(engine, token_server):
    found = network_probe(engine, token_server, NetworkMode.HOST)

    assert found["tcp"] == f"received {token_server.token}", found
    assert len(found["interfaces"]) >= 1
    assert token_server.accepted >= 1


def test_host_network_is_refused_when_configuration_disallows_it(docker_client, runtime_images):
    settings = EngineSettings(allow_host_network=False, pool_enabled=False)
    with ExecutionEngine(settings, client=docker_client) as strict:
        with pytest.raises(InvalidRequest, match=r"network mode 'host' is not allowed.*allow_host_network"):
            run(strict, "python", "print('should never run')\n", network_mode=NetworkMode.HOST)
        assert strict.pool.hits == 0 and strict.pool.misses == 0, "a container was requested for a refused run"
        # The same engine still runs what configuration allows.
        allowed = run(strict, "python", "print('fine')\n", network_mode=NetworkMode.NONE, timeout_s=60)
        assert allowed.status is ExecutionStatus.SUCCEEDED, describe(allowed)


# -- filesystem and privileges ---------------------------------------------------------------

FILESYSTEM_PROBE = """\
import errno, json, os, resource
found = {}
def write(path, data=b"x"):
    try:
        with open(path, "wb") as f:
            f.write(data)
        return "ok"
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))
for path in ["/scripts/x", "/scripts/script.py", "/scripts/args.json", "/etc/x", "/usr/x", "/x",
             "/opt/stellascript/bin/stellascript-agent", "/work/x", "/tmp/x"]:
    found[path] = write(path)
try:
    os.mkdir("/scripts/.build-evil")
    found["mkdir /scripts"] = "ok"
except OSError as error:
    found["mkdir /scripts"] = errno.errorcode[error.errno]
for path in ["/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/pids/pids.max", "/proc/sys/kernel/hostname"]:
    found[path] = write(path, b"9999999999")
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
for key in ["Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"]:
    found[key] = status[key].split()
try:
    os.setuid(0)
    found["setuid"] = "ok"
except OSError as error:
    found["setuid"] = errno.errorcode[error.errno]
found["fsize"] = list(resource.getrlimit(resource.RLIMIT_FSIZE))
limit = found["fsize"][0]
with open("/work/sparse", "wb", buffering=0) as f:
    f.seek(limit - 1)
    f.write(b"x")  # the last byte allowed (sparse: nothing before it is written)
    found["at limit"] = os.path.getsize("/work/sparse")
    try:
        f.write(b"y")
        found["past limit"] = "ok"
    except OSError as error:
        found["past limit"] = errno.errorcode[error.errno]
os.unlink("/work/sparse")
try:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit * 2, limit * 2))
    found["raise fsize"] = "ok"
except (OSError, ValueError) as error:
    found["raise fsize"] = type(error).__name__
chunk = b"z" * (1024 * 1024)
written = 0
try:
    with open("/tmp/fill", "wb", buffering=0) as f:
        for _ in range(200):
            written += f.write(chunk)
    found["tmp fill"] = "ok"
except OSError as error:
    found["tmp fill"] = errno.errorcode[error.errno]
found["tmp written"] = written
os.unlink("/tmp/fill")
print(json.dumps(found))
"""


def test_filesystem_is_read_only_except_work_and_tmp_and_the_script_is_unprivileged(engine):
    result = run(engine, "python", FILESYSTEM_PROBE, arguments={"a": "b"}, timeout_s=60)
    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    found = json.loads(result.stdout)
    limits = LANGUAGES["python"].default_limits

    # Read-only mounts say EROFS whatever the permissions: the mount itself is read-only.
    for path in ["/scripts/x", "/scripts/script.py", "/scripts/args.json", "/etc/x", "/usr/x", "/x",
                 "/opt/stellascript/bin/stellascript-agent", "mkdir /scripts"]:
        assert found[path] == "EROFS", (path, found[path])
    assert found["/work/x"] == "ok"
    assert found["/tmp/x"] == "ok"
    for path in ["/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/pids/pids.max", "/proc/sys/kernel/hostname"]:
        assert found[path] != "ok", (path, found[path])

    # A uid of its own from the script range (uids.py), the same real/effective/saved/fs uid.
    assert len(set(found["Uid"])) == 1 and int(found["Uid"][0]) in SCRIPT_UIDS, found["Uid"]
    assert found["Gid"] == ["10001"] * 4
    assert found["Groups"] == ["10001"]
    assert found["setuid"] == "EPERM"
    for key in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]:
        assert int(found[key][0], 16) == 0, (key, found[key])
    assert found["NoNewPrivs"] == ["1"]

    assert found["fsize"] == [limits.file_size_bytes, limits.file_size_bytes]
    assert found["at limit"] == limits.file_size_bytes
    assert found["past limit"] == "EFBIG"
    assert found["raise fsize"] != "ok"
    assert found["tmp fill"] == "ENOSPC"
    assert found["tmp written"] <= limits.tmpfs_bytes


@pytest.mark.parametrize("language", ["bash", "go", "java"])
def test_other_runtimes_are_unprivileged_too(engine, language):
    sources = {
        "bash": "grep -E '^(Uid|CapEff|NoNewPrivs):' /proc/self/status\ntouch /usr/x 2>/dev/null && echo wrote-usr || echo usr-read-only\n",
        "go": """package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\\n") {
		if strings.HasPrefix(line, "Uid:") || strings.HasPrefix(line, "CapEff:") || strings.HasPrefix(line, "NoNewPrivs:") {
			fmt.Println(line)
		}
	}
	if err := os.WriteFile("/usr/x", []byte("x"), 0o644); err != nil {
		fmt.Println("usr-read-only")
	} else {
		fmt.Println("wrote-usr")
	}
}
""",
        "java": """import java.nio.file.*;

public class Main {
    public static void main(String[] args) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:") || line.startsWith("CapEff:") || line.startsWith("NoNewPrivs:")) {
                System.out.println(line);
            }
        }
        try {
            Files.writeString(Path.of("/usr/x"), "x");
            System.out.println("wrote-usr");
        } catch (java.io.IOException e) {
            System.out.println("usr-read-only");
        }
    }
}
""",
    }
    result = run(engine, language, sources[language], timeout_s=180)
    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    fields = {line.split(":")[0]: line.split(":", 1)[1].split() for line in result.stdout.splitlines() if ":" in line}
    assert len(set(fields["Uid"])) == 1 and int(fields["Uid"][0]) in SCRIPT_UIDS, result.stdout
    assert int(fields["CapEff"][0], 16) == 0, result.stdout
    assert fields["NoNewPrivs"] == ["1"], result.stdout
    assert "usr-read-only" in result.stdout and "wrote-usr" not in result.stdout


# -- writable space: every path bounded, none on the host's disk ----------------------------


def slot_files(slot_dir: Path) -> list[str]:
    """Every file under a run's slot folder on the host, besides what the engine put there."""
    staged = {"scripts/script.py", "scripts/args.json", "agent", "owner.json"}
    return [str(path.relative_to(slot_dir)) for path in slot_dir.rglob("*")
            if path.is_file() and str(path.relative_to(slot_dir)) not in staged]


class SlotWatcher(ContainerProbe):
    """A probe that also lists the slot's files when the script prints a line starting with ``check_at``."""

    def __init__(self, docker_client, check_at: str) -> None:
        super().__init__(docker_client)
        self.check_at = check_at.encode()
        self.files_seen: list[str] | None = None

    def __call__(self, stream: str, data: bytes) -> None:
        super().__call__(stream, data)
        if stream == "stdout" and self.files_seen is None and self.slot_dir and b"\n" + self.check_at in self.stdout:
            self.files_seen = slot_files(self.slot_dir)


WORK_FILLER = PRINT_HOSTNAME_PY + """\
import errno, os, sys, time
written, failure = 0, None
try:
    for i in range({most} // (32 * 1024 * 1024) + 2):  # bounded: with no cap, stop past it
        with open(f"/work/fill-{{i}}", "wb") as f:
            for _ in range(32):
                written += f.write(b"w" * (1024 * 1024))
except OSError as error:
    failure = errno.errorcode[error.errno]
print("filled", written, failure, flush=True)
time.sleep(1)  # the host looks at the slot folder now
if failure:
    sys.exit(f"cannot write: {{failure}}")
"""


def test_work_has_a_total_size_cap_on_no_host_disk_and_hitting_it_is_a_disk_limit(engine, docker_client):
    limits = engine.limits_for(LANGUAGES["python"])
    probe = SlotWatcher(docker_client, "filled")
    result = run(engine, "python", WORK_FILLER.format(most=limits.work_bytes + 64 * MIB), timeout_s=60, on_output=probe)

    probe.assert_found()
    _, written, failure = result.stdout.splitlines()[1].split()
    assert failure == "ENOSPC", describe(result)  # many files, each under the file-size limit: the total is capped
    assert int(written) <= limits.work_bytes
    assert result.status is ExecutionStatus.FAILED, describe(result)
    assert result.termination_reason is TerminationReason.DISK_LIMIT, describe(result)
    assert f"/work ({limits.work_bytes // MIB} MiB) filled up" in result.stderr
    assert probe.files_seen == [], f"the run's files reached the host's disk: {probe.files_seen[:5]}"
    assert_container_and_slot_gone(docker_client, probe)


def test_a_runs_own_disk_size_caps_its_work(engine):
    # A run asking for 24 MiB of /work gets exactly that (a container of its own size, not a pooled default one).
    result = run(engine, "python", WORK_FILLER.format(most=64 * MIB), timeout_s=60, disk_bytes=24 * MIB)
    _, written, failure = result.stdout.splitlines()[1].split()
    assert failure == "ENOSPC", describe(result)
    assert 20 * MIB <= int(written) <= 24 * MIB, describe(result)
    assert result.termination_reason is TerminationReason.DISK_LIMIT, describe(result)
    assert "/work (24 MiB) filled up" in result.stderr
    assert result.limits.work_bytes == 24 * MIB


def test_a_full_work_is_no_disk_limit_when_the_script_copes_with_it(engine):
    limits = engine.limits_for(LANGUAGES["python"])
    coping = WORK_FILLER.format(most=limits.work_bytes + 64 * MIB).replace('sys.exit(f"cannot write: {failure}")', 'print("coped")')
    result = run(engine, "python", coping, timeout_s=60)
    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.termination_reason is None and "coped" in result.stdout


def test_the_work_cap_follows_the_configured_and_the_requested_size(docker_client, runtime_images):
    """Per language by configuration (a RunPolicy's language limits), and by a
    run's memory: /work is at most half of it."""
    python = LANGUAGES["python"]
    policy = RunPolicy(language_limits={"python": dataclasses.replace(python.default_limits, work_bytes=48 * MIB)})
    source = "import shutil\nprint(shutil.disk_usage('/work').total)\n"
    with ExecutionEngine(EngineSettings(pool_enabled=False, policy=policy), client=docker_client) as configured:
        as_configured = run(configured, "python", source, timeout_s=60)
        small_memory = run(configured, "python", source, timeout_s=60, memory_bytes=64 * MIB)
    assert as_configured.stdout == f"{48 * MIB}\n", describe(as_configured)
    assert as_configured.limits.work_bytes == 48 * MIB
    assert small_memory.stdout == f"{32 * MIB}\n", describe(small_memory)


def test_an_inode_bomb_in_work_is_stopped_by_the_runs_memory_not_the_hosts_inodes(engine, docker_client):
    probe = SlotWatcher(docker_client, "created")
    source = PRINT_HOSTNAME_PY + """\
import os
for i in range(400_000):
    open(f"/work/{i}", "w").close()
    if i == 20_000:
        print("created", i, flush=True)
        os.system("sleep 1")  # the host looks at the slot folder now
print("all created")
"""
    result = run(engine, "python", source, timeout_s=120, memory_bytes=64 * MIB, on_output=probe)

    probe.assert_found()
    assert probe.files_seen == [], f"{len(probe.files_seen)} of the run's files are host inodes"
    assert "all created" not in result.stdout, describe(result)
    assert result.status is ExecutionStatus.FAILED, describe(result)
    assert result.termination_reason in (TerminationReason.MEMORY_LIMIT, TerminationReason.DISK_LIMIT), describe(result)
    assert_container_and_slot_gone(docker_client, probe)


WRITABLE_PATHS_PROBE = """\
import errno, json, os
seen = {}
for line in open("/proc/self/mountinfo"):
    fields = line.split()
    root, point, options = fields[3], fields[4], fields[5]
    source = line.split(" - ", 1)[1].split()
    try:
        name = os.path.join(point, ".probe")
        with open(name, "w") as f:
            f.write("x")
        os.unlink(name)
        usage = os.statvfs(point)
        writable = usage.f_blocks * usage.f_frsize
    except OSError as error:
        writable = errno.errorcode[error.errno]
    seen[point] = {"root": root, "fs": source[0], "writable": writable}
print(json.dumps({"mounts": seen, "oom_score_adj": open("/proc/self/oom_score_adj").read().strip(),
                  "agent_oom_score_adj": open("/proc/1/oom_score_adj").read().strip()}))
"""


def test_every_writable_path_is_bounded_and_no_host_folder_but_scripts_and_the_agent_is_mounted(engine):
    limits = engine.limits_for(LANGUAGES["python"])
    result = run(engine, "python", WRITABLE_PATHS_PROBE, timeout_s=60)
    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    found = json.loads(result.stdout)
    mounts = found["mounts"]
    writable = {point: info["writable"] for point, info in mounts.items() if isinstance(info["writable"], int)}
    # /var/tmp and /run (Podman's unbounded tmpfs for a read-only container) are replaced:
    # /run is closed, /var/tmp (the image's 1777 folder's mode wins) holds 64 KiB.
    assert mounts["/run"]["writable"] == "EACCES", mounts["/run"]
    assert writable == {
        "/var/tmp": 64 * 1024,
        "/work": limits.work_bytes,
        "/tmp": limits.tmpfs_bytes,
        "/dev/shm": min(64 * MIB, limits.memory_bytes // 8),
        "/run/stellascript": 64 * 1024,
    }, writable
    # Host folders: only the slot's /scripts and agent, not the data directory or a /work on the host.
    host_folders = {point: info["root"] for point, info in mounts.items() if info["root"] != "/"}
    data = str(data_dir())
    assert not [point for point, root in host_folders.items() if root.startswith(data)], host_folders
    assert mounts["/work"]["fs"] == "tmpfs" and mounts["/run/stellascript"]["fs"] == "tmpfs"
    # The script, not the agent, is what the kernel kills first when memory runs out.
    assert found["oom_score_adj"] == "1000"
    assert int(found["agent_oom_score_adj"]) < 1000


def test_filling_every_tmpfs_then_allocating_is_a_memory_limit_with_the_output_so_far(engine, docker_client):
    """Tmpfs pages are the run's memory and killing a process does not free
    them; the agent must still survive to report, and the run is the script's
    memory_limit, with what it printed (it used to be Error/engine_error
    when a big /var/tmp got the agent killed)."""
    probe = ContainerProbe(docker_client)
    source = PRINT_HOSTNAME_PY + """\
import os
print("before", flush=True)
for folder in ["/dev/shm", "/tmp", "/work"]:
    try:
        with open(f"{folder}/fill", "wb") as f:
            while True:
                f.write(b"t" * (1024 * 1024))
    except OSError:
        pass
print("filled", flush=True)
blocks = []
while True:
    blocks.append(bytearray(1024 * 1024))
    blocks[-1][::4096] = b"x" * len(blocks[-1][::4096])
"""
    result = run(engine, "python", source, timeout_s=90, memory_bytes=128 * MIB, on_output=probe)
    assert result.status is ExecutionStatus.FAILED, describe(result)
    assert result.termination_reason is TerminationReason.MEMORY_LIMIT, describe(result)
    assert result.stdout.split("\n", 1)[1].startswith("before\nfilled\n"), describe(result)
    assert result.error is None, describe(result)  # the agent lived to report
    assert_container_and_slot_gone(docker_client, probe)  # and the OOM-killed container is removed


# -- uids: one run's processes do not count against another's -------------------------------


def test_concurrent_runs_have_their_own_uid_and_a_fork_bomb_does_not_stop_another_run(engine, docker_client):
    probe = ContainerProbe(docker_client)
    bomb_source = PRINT_HOSTNAME_SH + "id -u\n:(){ :|:& };:\nsleep 30\n"
    bomb: dict[str, ExecutionResult] = {}
    bomber = threading.Thread(target=lambda: bomb.update(result=run(engine, "bash", bomb_source, timeout_s=10, on_output=probe)))
    bomber.start()
    try:
        assert probe.found.wait(60), "the fork bomb never started"
        time.sleep(2)  # the bomb holds every pid of its container now
        other = run(engine, "python", """\
import os, resource, subprocess
children = [subprocess.Popen(["sleep", "2"]) for _ in range(40)]
for child in children:
    child.wait()
print(os.getuid(), resource.getrlimit(resource.RLIMIT_NPROC)[0], len(children))
""", timeout_s=60)
    finally:
        bomber.join(timeout=60)
    assert other.status is ExecutionStatus.SUCCEEDED, describe(other)
    uid, nproc, children = (int(value) for value in other.stdout.split())
    bomb_uid = int(bomb["result"].stdout.splitlines()[1])
    assert children == 40
    assert uid != bomb_uid and {uid, bomb_uid} <= set(SCRIPT_UIDS), (uid, bomb_uid)
    # The process limit is per uid, just above the pids limit: had the two runs
    # shared a uid, the bomb's 256 processes would have left this run no room for 40.
    assert nproc == LANGUAGES["python"].default_limits.pids + NPROC_MARGIN
    assert_container_and_slot_gone(docker_client, probe)


# -- output ----------------------------------------------------------------------------------


@pytest.mark.parametrize("flooded", ["stdout", "stderr"])
def test_output_over_the_cap_is_truncated_and_flagged_per_stream(engine, flooded):
    quiet = "stderr" if flooded == "stdout" else "stdout"
    source = (
        "import sys\n"
        f"sys.{quiet}.write('quiet line\\n'); sys.{quiet}.flush()\n"
        f"for i in range(20000):\n    sys.{flooded}.write('%08d flooding the stream\\n' % i)\n"
        f"sys.{flooded}.flush()\n"
        f"sys.{quiet}.write('still quiet\\n')\n"
    )
    live = {"stdout": 0, "stderr": 0}

    def count(stream: str, data: bytes) -> None:
        live[stream] += len(data)

    result = run(engine, "python", source, timeout_s=60, on_output=count)
    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)

    flooded_text, quiet_text = getattr(result, flooded), getattr(result, quiet)
    assert getattr(result, f"{flooded}_truncated") is True
    assert len(flooded_text.encode()) == OUTPUT_CAP
    assert flooded_text.startswith("00000000 flooding the stream\n")
    assert getattr(result, f"{quiet}_truncated") is False
    assert quiet_text == "quiet line\nstill quiet\n"
    assert live[flooded] == OUTPUT_CAP, "live listeners must see exactly what is kept"
    assert live[quiet] == len(quiet_text)


def test_a_flood_of_output_does_not_hang_the_run(engine):
    # 256 MiB on stdout and stderr at once, far past the cap; the script must
    # never block on a full pipe, and its last words still arrive... nowhere:
    # both streams are capped. What matters is that it finishes.
    source = (
        "import os\n"
        "chunk = b'y' * (1024 * 1024)\n"
        "for _ in range(128):\n"
        "    os.write(1, chunk)\n"
        "    os.write(2, chunk)\n"
        "open('/work/done', 'w').close()\n"
    )
    started = time.monotonic()
    result = run(engine, "python", source, timeout_s=120)
    elapsed = time.monotonic() - started
    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.stdout_truncated and result.stderr_truncated
    assert len(result.stdout) == OUTPUT_CAP and len(result.stderr) == OUTPUT_CAP
    assert elapsed < 60, f"256 MiB of output took {elapsed:.1f}s"


def test_an_endless_flood_is_stopped_at_the_timeout(engine):
    started = time.monotonic()
    result = run(engine, "bash", "yes 'endless output line'\n", timeout_s=3)
    elapsed = time.monotonic() - started
    assert result.status is ExecutionStatus.TIMED_OUT, describe(result)
    assert result.stdout_truncated is True
    assert len(result.stdout) == OUTPUT_CAP
    assert elapsed < 12, f"an endless flood with a 3 s timeout took {elapsed:.1f}s"


# -- no carry-over between pooled runs ---------------------------------------------------------------


def test_a_pooled_container_shows_no_trace_of_the_previous_run(engine):
    token = unique("leak")
    first_source = f"""\
import os, socket, subprocess
for path in ["/work/{token}", "/tmp/{token}", "/work/.bashrc", "/work/.profile"]:
    with open(path, "a") as f:
        f.write("export LEAKED={token}\\n")
os.makedirs("/work/{token}.d", exist_ok=True)
os.environ["LEAKED"] = "{token}"
subprocess.Popen(["bash", "-c", "exec -a sleep-{token} sleep 1000"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(socket.gethostname())
print(sorted(os.listdir("/work")))
"""
    second_source = f"""\
import json, os, socket, subprocess
print(json.dumps({{
    "hostname": socket.gethostname(),
    "work": sorted(os.listdir("/work")),
    "tmp": sorted(os.listdir("/tmp")),
    "scripts": sorted(os.listdir("/scripts")),
    "arguments": json.load(open("/scripts/args.json")) if os.path.exists("/scripts/args.json") else {{}},
    "environment": {{k: v for k, v in os.environ.items() if "{token}" in k + v or k == "LEAKED"}},
    "processes": subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout.splitlines()[1:],
    "bash_sees": subprocess.run(["bash", "-lc", "echo ${{LEAKED:-unset}}"], capture_output=True, text=True).stdout.strip(),
}}))
"""
    first = run(
        engine, "python", first_source, timeout_s=60,
        environment={f"SECRET_{token[-12:]}": token}, arguments={"leaked": token},
    )
    assert first.status is ExecutionStatus.SUCCEEDED, describe(first)
    first_hostname, first_listing = first.stdout.splitlines()[:2]
    assert token in first_listing, "the first run could not leave its traces: the test would prove nothing"

    assert engine.pool.wait_until_warm(120), "the pool did not refill"
    second = run(engine, "python", second_source, timeout_s=60)
    assert second.status is ExecutionStatus.SUCCEEDED, describe(second)
    assert second.pooled is True, "the second run did not come from the warm pool"
    found = json.loads(second.stdout)

    assert found["hostname"] != first_hostname
    assert found["work"] == [], found["work"]
    assert found["tmp"] == [], found["tmp"]
    assert set(found["scripts"]) <= {"script.py", "args.json"}, found["scripts"]
    assert found["arguments"] == {}, found["arguments"]
    assert found["environment"] == {}, found["environment"]
    assert found["bash_sees"] == "unset"
    assert token not in second.stdout
    # Only this run's own processes: the agent, the script, ps itself.
    commands = [line.split(None, 1)[1] for line in found["processes"]]
    assert not any(token in command for command in commands), commands
    assert len(commands) == 3, commands
    assert commands[0].startswith("/opt/stellascript/bin/stellascript-agent")
    wait_until_no_host_process(f"sleep-{token}")


# -- compile cache -------------------------------------------------------------------------------------

COMPILED_SOURCES = {
    "go": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("{token}")\n}\n',
    "java": 'public class Main {\n    public static void main(String[] args) {\n        System.out.println("{token}");\n    }\n}\n',
}


@pytest.mark.parametrize("language", sorted(COMPILED_SOURCES))
def test_second_run_of_a_compiled_script_hits_the_compile_cache(engine, language):
    token = unique("cache")
    source = COMPILED_SOURCES[language].replace("{token}", token)

    first = run(engine, language, source, timeout_s=240)
    second = run(engine, language, source, timeout_s=240)
    changed = run(engine, language, source.replace(token, token + "-changed"), timeout_s=240)

    for result in (first, second, changed):
        assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert first.stdout == second.stdout == f"{token}\n"
    assert changed.stdout == f"{token}-changed\n"
    assert first.compile_cache_hit is False
    assert second.compile_cache_hit is True
    assert changed.compile_cache_hit is False, "a changed source must not reuse the old artifact"


def test_concurrent_first_runs_compile_exactly_once(fresh_cache_engine):
    token = unique("concurrent")
    source = COMPILED_SOURCES["go"].replace("{token}", token)
    results = run_concurrently(lambda: run(fresh_cache_engine, "go", source, timeout_s=240), times=3, timeout_s=280)
    assert len(results) == 3
    for result in results:
        assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
        assert result.stdout == f"{token}\n"
    assert sorted(result.compile_cache_hit for result in results) == [False, True, True]


# -- where a server keeps its containers' folders ---------------------------------------------


def test_serve_keeps_container_folders_under_stellascript_temp(tmp_path, monkeypatch, runtime_images):
    temp = tmp_path / "temp"
    monkeypatch.setenv("STELLASCRIPT_TEMP", str(temp))
    pools = {name: {"min_containers": 1 if name == "bash" else 0} for name in LANGUAGES}
    server = RunningServer(tmp_path / "data", settings={"pool_sizes": pools}).start()
    try:
        deadline = time.monotonic() + 90
        slots: list[Path] = []
        while not slots and time.monotonic() < deadline:
            slots = [owner.parent for owner in temp.glob("*/owner.json")
                     if json.loads(owner.read_text())["pid"] == server.process.pid]
            time.sleep(0.2)
        assert slots, f"no warm container's folder under {temp}"
        default = Path("/tmp/stella-scripts")
        strays = [owner for owner in default.glob("*/owner.json") if json.loads(owner.read_text())["pid"] == server.process.pid]
        assert strays == [], "the server still used the default temp path"
    finally:
        server.stop()
