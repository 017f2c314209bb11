"""stdout and stderr in the order the script wrote them: live (server-sent
events while it runs), in the stored record, and on replay. A real server,
a real container, a real script numbering its lines."""

from __future__ import annotations

import threading

import pytest

from jupyter_stellascript.client import StellaScriptClient
from jupyter_stellascript.execution.output_log import OutputLog, interleave
from tests.servers import RunningServer

LINES = 60
# Line i goes to stderr when i % 3 == 0, else to stdout; each is flushed on
# its own, a little apart, as a script logging its progress would.
NUMBERED = f"""import sys, time
time.sleep(1.0)
for i in range(1, {LINES + 1}):
    stream = sys.stderr if i % 3 == 0 else sys.stdout
    stream.write(f"{{i}} {{'err' if i % 3 == 0 else 'out'}}\\n")
    stream.flush()
    time.sleep(0.01)
"""


def expected_lines() -> list[tuple[str, str]]:
    return [("stderr" if i % 3 == 0 else "stdout", f"{i} {'err' if i % 3 == 0 else 'out'}") for i in range(1, LINES + 1)]


def as_lines(events: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Output events as (stream, line); a line split across events is joined."""
    lines, partial = [], {"stdout": "", "stderr": ""}
    for stream, text in events:
        if stream not in partial:
            continue
        partial[stream] += text
        *done, partial[stream] = partial[stream].split("\n")
        lines += [(stream, line) for line in done]
    return lines


@pytest.fixture(scope="module")
def client(sqlite_server) -> StellaScriptClient:
    return StellaScriptClient(sqlite_server.url.removesuffix("/stellascript/api/v1"), token=sqlite_server.token("order-user"))


def test_stdout_and_stderr_keep_the_order_written_live_stored_and_replayed(sqlite_server, client):
    script = client.create_script(name="numbered-lines", language="python", content=NUMBERED)
    accepted = client.execute(script["id"])
    live: list[tuple[str, str]] = []
    follower = threading.Thread(target=lambda: live.extend(client.stream_logs(accepted["execution_id"])))
    follower.start()
    follower.join(timeout=120)
    assert not follower.is_alive()
    assert live[-1][0] == "end" and '"Succeeded"' in live[-1][1], live[-3:]
    assert as_lines(live) == expected_lines()

    record = client.get_execution(accepted["execution_id"])
    assert record["stdout"].count("\n") == 40 and record["stderr"].count("\n") == 20
    assert record["platform"] == "" and "[stellascript]" not in record["stderr"]
    assert [stream for stream, _ in record["output_order"]] == [s for s, _ in _runs(expected_lines())]
    assert as_lines(interleave(record["stdout"], record["stderr"], record["output_order"])) == expected_lines()

    replayed = list(client.stream_logs(accepted["execution_id"]))
    assert as_lines(replayed) == expected_lines()
    # Every event is numbered, in the order sent.
    raw = sqlite_server.request("GET", f"/scripts/executions/{accepted['execution_id']}/logs", token=client.token).text
    ids = [int(line[4:]) for line in raw.splitlines() if line.startswith("id: ")]
    assert ids == list(range(1, len(replayed) + 1))


def _runs(lines: list[tuple[str, str]]) -> list[tuple[str, int]]:
    log = OutputLog()
    for stream, line in lines:
        log.add(stream, line + "\n")
    return [tuple(run) for run in log.order]


def test_interleave_without_an_order_puts_stdout_first_and_keeps_what_the_order_misses():
    assert interleave("a\n", "b\n", None) == [("stdout", "a\n"), ("stderr", "b\n")]
    assert interleave("ab", "xy\ufffd", [["stderr", 1], ["stdout", 2], ["stderr", 1]]) == [
        ("stderr", "x"), ("stdout", "ab"), ("stderr", "y"), ("stderr", "\ufffd")]
    log = OutputLog()
    for stream, text in [("stdout", "a"), ("stdout", "b"), ("platform", "resolving\n"), ("stderr", "c")]:
        log.add(stream, text)
    assert log.stored() == {"platform": "resolving\n", "output_order": [["stdout", 2], ["stderr", 1]]}


def test_a_run_waiting_for_a_slot_says_so_on_the_platform_stream(tmp_path, runtime_images):
    server = RunningServer(tmp_path / "one-slot", settings={"max_concurrent": 1}).start()
    try:
        token = server.token("slot-user")
        client = StellaScriptClient(server.url.removesuffix("/stellascript/api/v1"), token=token)
        slow = client.create_script(name="holds-the-slot", language="bash", content="sleep 3\necho first\n")
        first = client.execute(slow["id"])["execution_id"]
        second = client.execute(slow["id"])["execution_id"]
        events = list(client.stream_logs(second))
        assert events[0] == ("platform", "waiting for a free run slot: 1 run(s) ahead, 1 at once on this server\n"), events
        assert ("stdout", "first\n") in events and events[-1][0] == "end"
        records = {execution_id: client.get_execution(execution_id) for execution_id in (first, second)}
        assert records[first]["platform"] == "" and records[first]["stdout"] == "first\n"
        assert records[second]["platform"].startswith("waiting for a free run slot") and records[second]["stderr"] == ""
    finally:
        server.stop()
