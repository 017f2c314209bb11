"""The execution centre's filters on GET scripts/executions: status, script,
user, trigger and time range, on top of who may see what, newest first and
paged. A real server on SQLite and PostgreSQL; the runs are real."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.servers import RunningServer, json_of


@pytest.fixture(scope="module")
def users(server: RunningServer) -> dict[str, str]:
    return {name: server.token(name) for name in ("filter-ann", "filter-ben")}


def run(server: RunningServer, token: str, script_id: str, trigger: str | None = None, **body) -> dict:
    headers = {"X-StellaScript-Trigger": trigger} if trigger else {}
    response = server.request("POST", f"/scripts/{script_id}/execute?wait=true", token=token, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return json_of(response)


def listed(server: RunningServer, token: str, **params) -> tuple[list[str], int]:
    response = server.request("GET", "/scripts/executions", token=token, params=params)
    assert response.status_code == 200, response.text
    body = json_of(response)
    return [item["id"] for item in body["items"]], body["total"]


def test_filters_by_status_script_user_trigger_and_time(server, users):
    ann, ben = users["filter-ann"], users["filter-ben"]
    name = f"filtered-{uuid.uuid4().hex[:8]}"
    ok = json_of(server.request("POST", "/scripts", token=ann, json={
        "name": name, "language": "bash", "content": 'test -z "$FAIL" || exit 3\necho ok\n', "visibility": "public"}))
    other = json_of(server.request("POST", "/scripts", token=ann, json={
        "name": name + "-other", "language": "bash", "content": "echo other\n"}))
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    first = run(server, ann, ok["id"], trigger="ui")
    failed = run(server, ann, ok["id"], trigger="notebook", environment={"FAIL": "1"})
    bens = run(server, ben, ok["id"], trigger="cli")
    elsewhere = run(server, ann, other["id"])
    assert (first["trigger"], failed["trigger"], bens["trigger"], elsewhere["trigger"]) == ("ui", "notebook", "cli", "api")
    assert failed["status"] == "Failed"

    mine = dict(script_id=ok["id"])
    # Newest first; ann, the script's creator, sees ben's run of it too.
    assert listed(server, ann, **mine) == ([bens["id"], failed["id"], first["id"]], 3)
    assert listed(server, ann, status="Failed", **mine) == ([failed["id"]], 1)
    assert listed(server, ann, requested_by="filter-ben", **mine) == ([bens["id"]], 1)
    assert listed(server, ann, trigger="ui", **mine) == ([first["id"]], 1)
    assert listed(server, ann, trigger="notebook", **mine) == ([failed["id"]], 1)
    assert listed(server, ann, since=before.isoformat(), requested_by="filter-ann") == ([elsewhere["id"], failed["id"], first["id"]], 3)
    assert listed(server, ann, since=datetime.now(timezone.utc).isoformat(), **mine) == ([], 0)
    assert listed(server, ann, until=before.isoformat(), **mine) == ([], 0)
    assert listed(server, ann, limit=1, offset=1, **mine) == ([failed["id"]], 3)
    # Ben sees only his own, whatever the filters ask.
    assert listed(server, ben, **mine) == ([bens["id"]], 1)
    assert listed(server, ben, requested_by="filter-ann") == ([], 0)


@pytest.mark.parametrize("params, fields", [
    ({"status": "Sleeping"}, ["status"]),
    ({"trigger": "pager"}, ["trigger"]),
    ({"since": "yesterday", "until": "2026-13-01"}, ["since", "until"]),
])
def test_bad_filters_are_a_400_naming_each_field(server, users, params, fields):
    response = server.request("GET", "/scripts/executions", token=users["filter-ann"], params=params)
    assert response.status_code == 400, response.text
    assert [error["field"] for error in json_of(response)["errors"]] == fields


def test_an_unknown_trigger_header_is_a_400(server, users):
    script = json_of(server.request("POST", "/scripts", token=users["filter-ann"], json={
        "name": f"trigger-{uuid.uuid4().hex[:8]}", "language": "bash", "content": "echo x\n"}))
    response = server.request("POST", f"/scripts/{script['id']}/execute", token=users["filter-ann"], json={},
                              headers={"X-StellaScript-Trigger": "telepathy"})
    assert response.status_code == 400 and json_of(response)["errors"][0]["field"] == "X-StellaScript-Trigger"
