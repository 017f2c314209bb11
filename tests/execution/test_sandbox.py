"""The hardening every container of a runtime image gets
(execution/sandbox.py ``hardened_container``): a script's run containers
(``SandboxPolicy.container_options``) and package managers' resolution
containers (dependencies/base.py) alike. That it holds inside real
containers is attacked in test_isolation.py and test_base.py."""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Any

import pytest
from traitlets import TraitError

from jupyter_stellascript.config import StellaScript
from jupyter_stellascript.execution.container_engine import host_bounded_limit
from jupyter_stellascript.execution.models import NetworkMode, ResourceLimits
from jupyter_stellascript.execution.sandbox import (
    AGENT_IN_CONTAINER,
    CONTROL_IN_CONTAINER,
    SandboxPolicy,
    hardened_container,
)
from jupyter_stellascript.execution.uids import NoFreeUid, UidAllocator
from jupyter_stellascript.languages import LANGUAGES

MIB = 1024 * 1024


CLOSED = "rw,nosuid,nodev,noexec,size=64k,mode=0755,notmpcopyup"


def assert_hardened(options: dict[str, Any], *, memory: int, pids: int, tmpfs: int, nproc: int | None = None) -> dict[str, str]:
    """Every option of the fixed hardening, whatever the container is for;
    returns the tmpfs mounts beyond /tmp, /var/tmp and /run."""
    assert options["user"] and not options["user"].startswith(("0:", "root")) and options["user"] != "0"
    assert options["read_only"] is True
    assert options["cap_drop"] == ["ALL"] and "cap_add" not in options and "privileged" not in options
    assert options["security_opt"] == ["no-new-privileges"]
    assert options["mem_limit"] == memory and options["memswap_limit"] == memory  # no swap
    assert options["pids_limit"] == pids
    ulimits = {u["Name"]: (u["Soft"], u["Hard"]) for u in options["ulimits"]}
    assert ulimits["core"] == (0, 0)
    nproc = nproc or host_bounded_limit(resource.RLIMIT_NPROC, 4096)
    assert ulimits["nproc"] == (nproc, nproc)
    assert ulimits["nofile"][0] == ulimits["nofile"][1] > 0
    mounts = dict(options["tmpfs"])
    assert mounts.pop("/tmp") == f"rw,nosuid,nodev,size={tmpfs},mode=1777"
    # Podman's own unbounded /var/tmp and /run are replaced by closed, tiny ones.
    assert mounts.pop("/var/tmp") == CLOSED and mounts.pop("/run") == CLOSED
    return mounts


LIMITS = ResourceLimits(memory_bytes=256 * MIB, cpus=1.5, pids=128, file_size_bytes=8 * MIB, open_files=512,
                        tmpfs_bytes=16 * MIB, work_bytes=100 * MIB)


def run_options(policy: SandboxPolicy, network: NetworkMode, tmp_path: Path) -> dict[str, Any]:
    return policy.container_options(
        image="stella-runtime/python:latest", limits=LIMITS, network_mode=network.value, uid=10042,
        scripts_dir=tmp_path / "scripts",
        agent_binary=tmp_path / "agent", environment={"A": "1"}, labels={"l": "v"})


def test_a_run_container_has_every_hardening_option_and_the_runs_limits(tmp_path):
    options = run_options(SandboxPolicy(), NetworkMode.NONE, tmp_path)
    # Its own uid, so its process limit (nproc) binds it alone: just above the pids limit.
    extra = assert_hardened(options, memory=256 * MIB, pids=128, tmpfs=16 * MIB, nproc=128 + 32)
    assert options["user"] == "10042:10001"
    # /work is a tmpfs of the run's own size, owned by its user (U); /dev/shm an eighth of the memory.
    # The agent's control folder is a tiny tmpfs of its own (the host reaches it through /proc/<pid>/root).
    # /run/secrets: root's 1 MiB tmpfs, which the script reads and cannot write (the engine writes its files).
    assert extra == {"/work": f"rw,nosuid,nodev,size={100 * MIB},mode=0700,U",
                     CONTROL_IN_CONTAINER: "rw,nosuid,nodev,noexec,size=64k,mode=0700,U",
                     "/run/secrets": "rw,nosuid,nodev,noexec,size=1m,mode=0755,notmpcopyup"}
    assert options["shm_size"] == 32 * MIB
    assert options["network_mode"] == "none"
    assert options["nano_cpus"] == 1_500_000_000
    ulimits = {u["Name"]: (u["Soft"], u["Hard"]) for u in options["ulimits"]}
    assert ulimits["fsize"] == (8 * MIB, 8 * MIB) and ulimits["nofile"] == (512, 512)
    assert options["entrypoint"] == [AGENT_IN_CONTAINER, f"{CONTROL_IN_CONTAINER}/agent.sock"]
    assert options["command"] == [] and options["working_dir"] == "/work"
    assert options["environment"] == {"A": "1"} and options["labels"] == {"l": "v"}
    mounts = {m["Target"]: (m["Source"], m["ReadOnly"]) for m in options["mounts"]}
    assert mounts == {
        "/scripts": (str(tmp_path / "scripts"), True), AGENT_IN_CONTAINER: (str(tmp_path / "agent"), True)}


def test_a_run_container_gets_the_network_its_checked_request_names(tmp_path):
    # Which modes a run may ask for is the RunPolicy's (tests/execution/test_requests.py);
    # the sandbox applies the one it is given.
    for mode in NetworkMode:
        assert run_options(SandboxPolicy(), mode, tmp_path)["network_mode"] == mode.value


def test_optional_limits_are_left_out_only_when_not_given():
    options = hardened_container(
        image="i", entrypoint=[], command=["true"], working_dir="/out", environment={}, labels={}, mounts=[],
        network_mode="host", memory_bytes=64 * MIB, pids=32, open_files=100, tmpfs_bytes=MIB, user="20000:20000")
    assert assert_hardened(options, memory=64 * MIB, pids=32, tmpfs=MIB) == {}
    assert options["user"] == "20000:20000"
    assert "shm_size" not in options
    assert "nano_cpus" not in options
    assert "fsize" not in {u["Name"] for u in options["ulimits"]}
    assert {u["Name"]: u["Soft"] for u in options["ulimits"]}["nofile"] == 100


def test_work_is_at_most_half_the_memory_once_a_runs_memory_is_known():
    # /work's pages are the run's memory: a full /work must leave the script room.
    assert LIMITS.with_overrides().work_bytes == 100 * MIB
    assert LIMITS.with_overrides(memory_bytes=128 * MIB).work_bytes == 64 * MIB
    assert LIMITS.with_overrides(memory_bytes=32 * MIB).tmpfs_bytes == 8 * MIB  # and /tmp a quarter
    assert LIMITS.with_overrides(memory_bytes=MIB * 1024).work_bytes == 100 * MIB


def test_the_size_of_work_is_configured_per_language_as_disk():
    python = LANGUAGES["python"]
    policy = StellaScript(resource_limits={"python": {"disk": "48m"}}).run_policy()
    assert policy.limits_for(python).work_bytes == 48 * MIB
    assert policy.limits_for(LANGUAGES["bash"]).work_bytes == LANGUAGES["bash"].default_limits.with_overrides().work_bytes
    with pytest.raises(TraitError, match=r"resource_limits\['python'\]"):
        StellaScript(resource_limits={"python": {"disk": "lots"}}).check()


def test_serve_defaults_its_temp_path_to_stellascript_temp(monkeypatch, tmp_path):
    monkeypatch.setenv("STELLASCRIPT_TEMP", str(tmp_path / "temp"))
    assert StellaScript().engine_settings().temp_path == tmp_path / "temp"
    assert StellaScript(temp_path=str(tmp_path / "set")).engine_settings().temp_path == tmp_path / "set"


def test_uids_are_leased_exclusively_across_allocators_until_released(tmp_path):
    # Two allocators stand for two engine processes of the host: the flocks, not memory, keep them apart.
    first, second = UidAllocator(tmp_path / "locks", range(20001, 20004)), UidAllocator(tmp_path / "locks", range(20001, 20004))
    leases = [first.lease(), second.lease(), first.lease()]
    assert sorted(lease.uid for lease in leases) == [20001, 20002, 20003]
    with pytest.raises(NoFreeUid, match="all 3 script uids"):
        second.lease()
    leases[1].release()
    assert second.lease().uid == leases[1].uid
