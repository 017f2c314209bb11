"""Who may read, list, follow and cancel an execution, through the real server
on SQLite and PostgreSQL.

A script's visibility says who may read and run the script, not who may read
other people's runs (execution/visibility.py). One finished run per row below,
each started by someone who may run that script, then every caller tries:

- read: GET scripts/executions/{id};
- list: GET scripts/executions?script_id= (is it among the items, and how much of it);
- logs: GET .../logs?follow=false and the SSE stream;
- cancel: POST .../cancel (who started it, the script's creator or an admin).

FULL is the whole record; SUMMARY is the script creator's view of someone
else's run (status, times, who ran it: no arguments, environment names,
output or error); HIDDEN is a 404 (absent from the list).
"""

from __future__ import annotations

import json

import pytest

from tests.handlers.test_visibility import (  # noqa: F401 - fixtures
    DENIED, HIDDEN, LOGIN, PEOPLE, Callers, assert_refused, callers, new_script,
)
from tests.servers import RunningServer, json_of

FULL, SUMMARY = "full", "summary"
ACTIONS = ("read", "list", "logs", "cancel")
CALLERS = ("creator", "teammate", "outsider", "anonymous", "admin", "bad-token")
SECRET_ARGUMENT = "argument-hunter2"
SECRET_OUTPUT = "printed-password-s3cr3t"
SCRIPT = 'cat /scripts/args.json; echo; echo "' + SECRET_OUTPUT + '"; echo "err-$SECRET_ENV" >&2\n'

# The runs: (script visibility, who started the run).
RUNS = (("private", "creator"), ("team", "teammate"), ("organization", "outsider"),
        ("public", "outsider"), ("public", "anonymous"))

# fmt: off
MATRIX = {
    # (visibility, starter), caller:          read      list      logs      cancel
    (("private", "creator"), "creator"):     (FULL,    FULL,    FULL,    FULL),
    (("private", "creator"), "teammate"):    (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("private", "creator"), "outsider"):    (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("private", "creator"), "anonymous"):   (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("private", "creator"), "admin"):       (FULL,    FULL,    FULL,    FULL),
    (("private", "creator"), "bad-token"):   (LOGIN,   LOGIN,   LOGIN,   LOGIN),

    (("team", "teammate"), "creator"):       (SUMMARY, SUMMARY, DENIED,  SUMMARY),
    (("team", "teammate"), "teammate"):      (FULL,    FULL,    FULL,    FULL),
    (("team", "teammate"), "outsider"):      (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("team", "teammate"), "anonymous"):     (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("team", "teammate"), "admin"):         (FULL,    FULL,    FULL,    FULL),
    (("team", "teammate"), "bad-token"):     (LOGIN,   LOGIN,   LOGIN,   LOGIN),

    (("organization", "outsider"), "creator"):   (SUMMARY, SUMMARY, DENIED,  SUMMARY),
    (("organization", "outsider"), "teammate"):  (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("organization", "outsider"), "outsider"):  (FULL,    FULL,    FULL,    FULL),
    (("organization", "outsider"), "anonymous"): (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("organization", "outsider"), "admin"):     (FULL,    FULL,    FULL,    FULL),
    (("organization", "outsider"), "bad-token"): (LOGIN,   LOGIN,   LOGIN,   LOGIN),

    # The reported leak: another user's run of a public script, read anonymously.
    (("public", "outsider"), "creator"):     (SUMMARY, SUMMARY, DENIED,  SUMMARY),
    (("public", "outsider"), "teammate"):    (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("public", "outsider"), "outsider"):    (FULL,    FULL,    FULL,    FULL),
    (("public", "outsider"), "anonymous"):   (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("public", "outsider"), "admin"):       (FULL,    FULL,    FULL,    FULL),
    (("public", "outsider"), "bad-token"):   (LOGIN,   LOGIN,   LOGIN,   LOGIN),

    # An anonymous run: its id is its credential (read and follow it by id),
    # but no anonymous caller lists it, and cancelling needs a user.
    (("public", "anonymous"), "creator"):    (SUMMARY, SUMMARY, DENIED,  SUMMARY),
    (("public", "anonymous"), "teammate"):   (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("public", "anonymous"), "outsider"):   (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    (("public", "anonymous"), "anonymous"):  (FULL,    HIDDEN,  FULL,    LOGIN),
    (("public", "anonymous"), "admin"):      (FULL,    FULL,    FULL,    FULL),
    (("public", "anonymous"), "bad-token"):  (LOGIN,   LOGIN,   LOGIN,   LOGIN),
}
# fmt: on


def _case_id(run: tuple[str, str], caller: str, action: str, outcome) -> str:
    return f"{run[0]}-by-{run[1]}-{caller}-{action}-{outcome}"


CASES = [
    pytest.param(run, caller, action, outcome, id=_case_id(run, caller, action, outcome))
    for (run, caller), outcomes in MATRIX.items()
    for action, outcome in zip(ACTIONS, outcomes)
]


def user_of(role: str) -> str:
    return PEOPLE[role]["user"] if role in PEOPLE else "anonymous"


@pytest.fixture(scope="module")
def runs(server: RunningServer, callers: Callers) -> dict[tuple[str, str], dict]:
    """One finished run per row, as its starter saw it."""
    records = {}
    for visibility, starter in RUNS:
        script = new_script(server, callers, visibility)
        updated = server.request("PUT", f"/scripts/{script['id']}", token=callers.token("creator"), json={"content": SCRIPT})
        assert updated.status_code == 200, updated.text
        response = server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=callers.token(starter),
                                  json={"arguments": {"who": SECRET_ARGUMENT}, "environment": {"SECRET_ENV": "env-value"}})
        assert response.status_code == 200, response.text
        record = json_of(response)
        assert record["status"] == "Succeeded" and SECRET_OUTPUT in record["stdout"], record
        assert record["requested_by"] == user_of(starter) and record["redacted"] is False
        records[(visibility, starter)] = record
    return records


def assert_record(body: dict, run: dict, outcome: str) -> None:
    assert body["id"] == run["id"] and body["status"] == "Succeeded" and body["requested_by"] == run["requested_by"]
    assert (body["exit_code"], body["queued_at"], body["completed_at"]) == (0, run["queued_at"], run["completed_at"])
    if outcome == FULL:
        assert body == run
    else:
        assert body["redacted"] is True
        assert (body["stdout"], body["stderr"], body["arguments"], body["environment_keys"], body["error"]) == (None, None, {}, [], None)
        assert SECRET_ARGUMENT not in json.dumps(body) and SECRET_OUTPUT not in json.dumps(body)


@pytest.mark.parametrize("run_key, caller, action, outcome", CASES)
def test_execution_visibility_matrix(server, callers, runs, run_key, caller, action, outcome):
    run, token = runs[run_key], callers.token(caller)
    path = f"/scripts/executions/{run['id']}"

    if action == "read":
        response = server.request("GET", path, token=token)
        if outcome in (FULL, SUMMARY):
            assert response.status_code == 200, response.text
            assert_record(json_of(response), run, outcome)
        else:
            assert_refused(response, outcome)

    elif action == "list":
        response = server.request("GET", "/scripts/executions", token=token, params={"script_id": run["script_id"]})
        if outcome == LOGIN:
            assert_refused(response, LOGIN)
            return
        assert response.status_code == 200, response.text
        body = json_of(response)
        if outcome in (FULL, SUMMARY):
            assert [item["id"] for item in body["items"]] == [run["id"]] and body["total"] == 1, body
            assert_record(body["items"][0], run, outcome)
        else:
            assert body == {"items": [], "total": 0}
            everything = json_of(server.request("GET", "/scripts/executions?limit=500", token=token))
            assert run["id"] not in [item["id"] for item in everything["items"]]

    elif action == "logs":
        stored = server.request("GET", f"{path}/logs?follow=false", token=token)
        stream = server.request("GET", f"{path}/logs", token=token)
        if outcome == FULL:
            assert stored.status_code == 200, stored.text
            # The platform's messages and the output's order come along (issue 15), as the record has them.
            assert json_of(stored) == {"stdout": run["stdout"], "stderr": run["stderr"], "status": "Succeeded",
                                       "platform": run["platform"], "output_order": run["output_order"]}
            assert stream.status_code == 200 and stream.headers["Content-Type"].startswith("text/event-stream")
            assert SECRET_OUTPUT in stream.text and "event: end" in stream.text
        else:
            for response in (stored, stream):
                assert_refused(response, outcome)
                assert SECRET_OUTPUT not in response.text

    elif action == "cancel":
        response = server.request("POST", f"{path}/cancel", token=token)
        if outcome in (FULL, SUMMARY):
            assert response.status_code == 200, response.text
            assert_record(json_of(response), run, outcome)  # it had finished: nothing changes
        else:
            assert_refused(response, outcome)

    else:  # pragma: no cover - the table names only the actions above
        raise AssertionError(action)


def test_the_matrix_covers_every_run_and_caller():
    assert set(MATRIX) == {(run, caller) for run in RUNS for caller in CALLERS}
    assert len(CASES) == len(RUNS) * len(CALLERS) * len(ACTIONS)


def test_the_creator_counts_runs_of_their_script_and_sees_their_own_in_full(server, callers):
    script = new_script(server, callers, "organization")
    mine = json_of(server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=callers.token("creator"),
                                  json={"arguments": {"who": "me"}}))
    theirs = [json_of(server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=callers.token(role),
                                     json={"arguments": {"who": SECRET_ARGUMENT}})) for role in ("teammate", "outsider")]
    listed = json_of(server.request("GET", "/scripts/executions", token=callers.token("creator"),
                                    params={"script_id": script["id"]}))
    assert listed["total"] == 3
    by_id = {item["id"]: item for item in listed["items"]}
    assert by_id[mine["id"]] == mine
    assert {by_id[run["id"]]["requested_by"] for run in theirs} == {"vis-teammate", "vis-outsider"}
    assert all(by_id[run["id"]]["redacted"] and by_id[run["id"]]["status"] == "Succeeded" for run in theirs)
    assert SECRET_ARGUMENT not in json.dumps(listed)
    # Each runner counts only their own.
    for role, run in zip(("teammate", "outsider"), theirs):
        own = json_of(server.request("GET", "/scripts/executions", token=callers.token(role), params={"script_id": script["id"]}))
        assert [item["id"] for item in own["items"]] == [run["id"]] and own["total"] == 1


def test_metrics_name_no_user_argument_or_output(server, callers, runs):
    text = server.request("GET", "/metrics", token=callers.token("admin")).text
    assert "stella_script_executions_total" in text or "stella_script_executions" in text
    for secret in (SECRET_ARGUMENT, SECRET_OUTPUT, "env-value", *(person["user"] for person in PEOPLE.values())):
        assert secret not in text, secret


def test_a_starter_shares_a_run_with_users_and_teams_explicitly(server, callers):
    script = new_script(server, callers, "organization")
    run = json_of(server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=callers.token("outsider"),
                                 json={"arguments": {"who": SECRET_ARGUMENT}}))
    path = f"/scripts/executions/{run['id']}"

    def seen_by(role: str) -> int:
        return server.request("GET", path, token=callers.token(role)).status_code

    assert (seen_by("teammate"), json_of(server.request("GET", path, token=callers.token("creator")))["redacted"]) == (404, True)
    # Only the starter (or an admin) manages the grants; others are told as much as they may see.
    for role, status in (("teammate", 404), ("creator", 403), ("anonymous", 401)):
        refused = server.request("PUT", f"{path}/sharing", token=callers.token(role), json={"users": ["vis-teammate"]})
        assert refused.status_code == status, (role, refused.text)
    bad = server.request("PUT", f"{path}/sharing", token=callers.token("outsider"), json={"users": "vis-teammate", "groups": []})
    assert bad.status_code == 400 and {e["field"] for e in json_of(bad)["errors"]} == {"users", "groups"}, bad.text

    shared = server.request("PUT", f"{path}/sharing", token=callers.token("outsider"),
                            json={"users": ["vis-teammate", "vis-teammate"], "teams": ["vis-red"]})
    assert shared.status_code == 200, shared.text
    assert json_of(shared) == {"execution_id": run["id"], "users": ["vis-teammate"], "teams": ["vis-red"]}
    # A shared user sees it all: record, list, logs; the creator now through the team vis-red.
    for role in ("teammate", "creator"):
        token = callers.token(role)
        assert json_of(server.request("GET", path, token=token)) == run
        listed = json_of(server.request("GET", "/scripts/executions", token=token, params={"script_id": script["id"]}))
        assert run in listed["items"], role
        assert json_of(server.request("GET", f"{path}/logs?follow=false", token=token))["stdout"] == run["stdout"]
    # Reading is not cancelling, nor managing the grants.
    assert server.request("POST", f"{path}/cancel", token=callers.token("teammate")).status_code == 403
    assert server.request("GET", f"{path}/sharing", token=callers.token("teammate")).status_code == 403
    assert json_of(server.request("GET", f"{path}/sharing", token=callers.token("admin")))["users"] == ["vis-teammate"]

    # Replacing the grants with none takes them back at once.
    cleared = server.request("PUT", f"{path}/sharing", token=callers.token("outsider"), json={})
    assert json_of(cleared) == {"execution_id": run["id"], "users": [], "teams": []}
    assert seen_by("teammate") == 404
    assert json_of(server.request("GET", path, token=callers.token("creator")))["redacted"] is True
