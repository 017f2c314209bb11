"""A notification its server was sending when it was killed is finished after the restart (the lease ran out)."""

from __future__ import annotations

from tests.servers import RunningServer

from .conftest import POOLS, deliveries, notify, run, script, wait_for

# The first retry waits 3 s: the test kills the server within it. Its lease (renewed past that wait and the
# next attempt's 1 s, plus 1 s) has run out about 5 s after the first attempt: the restarted server takes it.
SETTINGS = {"pool_sizes": POOLS, "notification_timeout": "1s", "notification_retries": 3, "notification_backoff": "3s",
            "notification_lease": "1s"}


def test_a_delivery_pending_when_its_server_was_killed_is_finished_after_restart(tmp_path, runtime_images, receiver):
    server = RunningServer(tmp_path / "server", settings=SETTINGS).start()
    try:
        owner = server.token("resume-owner")
        checked = script(server, owner)
        notify(server, owner, "scripts", checked["id"], {"on": ["success"], "webhook": f"{receiver.url}/hook"})
        receiver.failures_left = 100
        finished = run(server, owner, checked["id"])
        receiver.wait_for(lambda got: len(got) == 1)
        # The receiver sees the POST before the server records the attempt: kill once it is recorded.
        wait_for(lambda: [d for d in deliveries(server, owner, run_id=finished["id"]) if d["attempts"] == 1],
                 timeout_s=30, what="the first attempt recorded")
        server.kill()  # in its first backoff: the delivery stays pending, 1 attempt made
        receiver.failures_left = 0
        server.start()
        delivered = wait_for(lambda: [d for d in deliveries(server, owner, run_id=finished["id"]) if d["status"] == "delivered"],
                             timeout_s=30, what="the resumed delivery")
        assert len(receiver.received) == 2, receiver.received  # once refused before the kill, once delivered after
        first, second = (got["body"] for got in receiver.received)
        assert first == second and second["event"] == "success" and second["run"]["id"] == finished["id"]
        assert delivered[0]["attempts"] == 2 and delivered[0]["response_status"] == 200
        assert len(deliveries(server, owner, run_id=finished["id"])) == 1  # finished, not sent as a new delivery
        assert "left pending by a stopped server" in server.log_path.read_text()
    finally:
        server.stop()
