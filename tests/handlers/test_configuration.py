"""Configuration reaches the server, and bad configuration stops it."""

from __future__ import annotations

import pytest

from tests.servers import RunningServer, json_of


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"max_concurrent": 0}, "StellaScript.max_concurrent"),
        ({"default_network_mode": "wifi"}, "StellaScript.default_network_mode"),
        ({"resource_limits": {"bash": {"memory": "lots"}}}, "StellaScript.resource_limits['bash']"),
        ({"runtime_images": {"cobol": "x"}}, "StellaScript.runtime_images"),
        ({"default_network_mode": "host"}, "StellaScript.allow_host_network"),
    ],
    ids=["max_concurrent", "network_mode", "memory", "unknown-language", "host-not-allowed"],
)
def test_invalid_settings_stop_start_up_naming_the_setting(tmp_path, settings, named) -> None:
    server = RunningServer(tmp_path / "data", settings=settings)
    with pytest.raises(RuntimeError) as failure:
        server.start(timeout_s=60)
    assert named in str(failure.value)
    assert server.process.returncode not in (0, None)


def test_host_network_is_refused_unless_allowed(sqlite_server) -> None:
    token = sqlite_server.token("netty")
    created = json_of(sqlite_server.request("POST", "/scripts", token=token, json={
        "name": "net", "language": "bash", "content": "echo hi\n",
    }))
    refused = sqlite_server.request("POST", f"/scripts/{created['id']}/execute", token=token, json={"network_mode": "host"})
    assert refused.status_code == 400, refused.text
    assert "allow_host_network" in json_of(refused)["errors"][0]["message"]


def test_per_language_limits_and_timeouts_apply(tmp_path, runtime_images) -> None:
    server = RunningServer(tmp_path / "data", settings={
        "resource_limits": {"bash": {"memory": "128m", "cpu": "0.25"}},
        "default_timeouts": {"bash": "2s"},
        "pool_sizes": {"bash": {"min_containers": 0}},
    }).start()
    try:
        token = server.token("limits")
        created = json_of(server.request("POST", "/scripts", token=token, json={
            "name": "slow", "language": "bash", "content": "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max\nsleep 30\n",
        }))
        record = json_of(server.request("POST", f"/scripts/{created['id']}/execute?wait=true", token=token, json={}))
        assert record["status"] == "TimedOut", record
        assert record["timeout"] == 2
        assert record["limits"]["memory_bytes"] == 128 * 1024 * 1024
        assert record["limits"]["cpus"] == 0.25
        assert record["stdout"].strip() == str(128 * 1024 * 1024)
    finally:
        server.stop()
