"""A run that waits for a container of a full pool says so as a platform
message (the panel's Preparing section), not in its output, and not silently.
A real server whose Bash pool may hold one container, two real runs."""

from __future__ import annotations

import pytest

from jupyter_stellascript.client import StellaScriptClient
from jupyter_stellascript.languages import LANGUAGES
from tests.servers import RunningServer

WAIT = "waiting for a free container: all 1 stella-runtime/bash:latest container(s) of this server's pool are busy"


@pytest.fixture(scope="module")
def one_bash_container(tmp_path_factory, runtime_images):
    server = RunningServer(tmp_path_factory.mktemp("pool-wait"),
                           settings={"pool_sizes": {**{name: {"min_containers": 0} for name in LANGUAGES},
                                                    "bash": {"min_containers": 0, "max_containers": 1}}}).start()
    yield server
    server.stop()


def test_a_run_waiting_for_the_pool_says_so_as_a_platform_message(one_bash_container):
    client = StellaScriptClient(one_bash_container.url.removesuffix("/stellascript/api/v1"),
                                token=one_bash_container.token("pool-user"))
    script = client.create_script(name="holds-the-container", language="bash", content="sleep 2\necho done\n")
    # Both at once: the pool may lease one container, so one of the two waits for the other.
    accepted = [client.execute(script["id"]) for _ in range(2)]
    for item in accepted:
        events = list(client.stream_logs(item["execution_id"]))  # ends with the run
        assert events[-1][0] == "end", events[-3:]
    records = [client.get_execution(item["execution_id"]) for item in accepted]
    assert [record["status"] for record in records] == ["Succeeded", "Succeeded"], records
    assert [record["stdout"] for record in records] == ["done\n", "done\n"]
    waited = [record for record in records if WAIT in (record["platform"] or "")]
    assert len(waited) == 1, [record["platform"] for record in records]
    assert "got a container after waiting" in waited[0]["platform"]
    assert all("[stellascript]" not in record["stderr"] and "waiting" not in record["stderr"] for record in records)
