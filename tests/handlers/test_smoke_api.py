"""A first pass through the API on both databases."""

from tests.servers import json_of


def test_create_run_and_read_back(server):
    alice = server.token("alice", teams=("ops",))
    created = server.request("POST", "/scripts", token=alice, json={
        "name": "greeter", "language": "python", "visibility": "public",
        "content": "import json\nprint('hello', json.load(open('/scripts/args.json'))['who'])\n",
    })
    assert created.status_code == 201, created.text
    script = json_of(created)
    run = server.request("POST", f"/scripts/{script['id']}/execute?wait=true", json={"arguments": {"who": "db"}})
    assert run.status_code == 200, run.text
    record = json_of(run)
    assert record["status"] == "Succeeded"
    assert record["stdout"] == "hello db\n"
    assert record["content_sha256"] == script["content_sha256"]
    # An anonymous run is listed to the script's creator (as a summary), to no anonymous caller.
    listed = json_of(server.request("GET", f"/scripts/executions?script_id={script['id']}", token=alice))
    assert listed["total"] == 1 and listed["items"][0]["id"] == record["id"]
    assert listed["items"][0]["redacted"] is True and listed["items"][0]["stdout"] is None
    assert json_of(server.request("GET", f"/scripts/executions?script_id={script['id']}")) == {"items": [], "total": 0}
