"""Who may read, list, run, change and delete a script, through the real
server on SQLite and PostgreSQL.

The matrix below is the specification, one row per (visibility, caller):

- private: the creator only;
- team: whoever shares one of the creator's teams;
- organization: any authenticated user;
- public: anyone, anonymous callers included (read, list, execute);
- only the creator or an admin changes or deletes; admins see everything.

A script the caller may not see answers 404 (its existence is not revealed);
a visible script the caller may not change answers 403; a write without a
token, or any request with a bad token, answers 401.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import requests

from tests.servers import RunningServer, json_of

ALLOW = "allowed"
HIDDEN = 404  # not visible: 404 (for list: 200, but the script is not among the items)
DENIED = 403  # visible, but not the caller's to change
LOGIN = 401  # no token (for a write) or a bad one

ACTIONS = ("read", "list", "execute", "update", "delete")

# The teams: the creator is in red and blue, the teammate only in blue (one
# shared team is enough), the outsider in green (authenticated, nothing shared).
PEOPLE = {
    "creator": dict(user="vis-creator", teams=("vis-red", "vis-blue")),
    "teammate": dict(user="vis-teammate", teams=("vis-blue",)),
    "outsider": dict(user="vis-outsider", teams=("vis-green",)),
    "admin": dict(user="vis-admin", teams=(), admin=True),
}

# fmt: off
MATRIX = {
    #  visibility,     caller         read     list     execute  update   delete
    ("private",      "creator"):   (ALLOW,   ALLOW,   ALLOW,   ALLOW,   ALLOW),
    ("private",      "teammate"):  (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    ("private",      "outsider"):  (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    ("private",      "anonymous"): (HIDDEN,  HIDDEN,  HIDDEN,  LOGIN,   LOGIN),
    ("private",      "admin"):     (ALLOW,   ALLOW,   ALLOW,   ALLOW,   ALLOW),
    ("private",      "bad-token"): (LOGIN,   LOGIN,   LOGIN,   LOGIN,   LOGIN),

    ("team",         "creator"):   (ALLOW,   ALLOW,   ALLOW,   ALLOW,   ALLOW),
    ("team",         "teammate"):  (ALLOW,   ALLOW,   ALLOW,   DENIED,  DENIED),
    ("team",         "outsider"):  (HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN,  HIDDEN),
    ("team",         "anonymous"): (HIDDEN,  HIDDEN,  HIDDEN,  LOGIN,   LOGIN),
    ("team",         "admin"):     (ALLOW,   ALLOW,   ALLOW,   ALLOW,   ALLOW),
    ("team",         "bad-token"): (LOGIN,   LOGIN,   LOGIN,   LOGIN,   LOGIN),

    ("organization", "creator"):   (ALLOW,   ALLOW,   ALLOW,   ALLOW,   ALLOW),
    ("organization", "teammate"):  (ALLOW,   ALLOW,   ALLOW,   DENIED,  DENIED),
    ("organization", "outsider"):  (ALLOW,   ALLOW,   ALLOW,   DENIED,  DENIED),
    ("organization", "anonymous"): (HIDDEN,  HIDDEN,  HIDDEN,  LOGIN,   LOGIN),
    ("organization", "admin"):     (ALLOW,   ALLOW,   ALLOW,   ALLOW,   ALLOW),
    ("organization", "bad-token"): (LOGIN,   LOGIN,   LOGIN,   LOGIN,   LOGIN),

    ("public",       "creator"):   (ALLOW,   ALLOW,   ALLOW,   ALLOW,   ALLOW),
    ("public",       "teammate"):  (ALLOW,   ALLOW,   ALLOW,   DENIED,  DENIED),
    ("public",       "outsider"):  (ALLOW,   ALLOW,   ALLOW,   DENIED,  DENIED),
    ("public",       "anonymous"): (ALLOW,   ALLOW,   ALLOW,   LOGIN,   LOGIN),
    ("public",       "admin"):     (ALLOW,   ALLOW,   ALLOW,   ALLOW,   ALLOW),
    ("public",       "bad-token"): (LOGIN,   LOGIN,   LOGIN,   LOGIN,   LOGIN),
}
# fmt: on



def _case_id(visibility: str, caller: str, action: str, outcome) -> str:
    """e.g. ``team-outsider-update-404``, ``private-anonymous-list-absent``."""
    if outcome == ALLOW:
        expected = "ok"
    elif action == "list" and outcome == HIDDEN:
        expected = "absent"  # 200, without the script
    else:
        expected = str(outcome)
    return f"{visibility}-{caller}-{action}-{expected}"


CASES = [
    pytest.param(visibility, caller, action, outcome, id=_case_id(visibility, caller, action, outcome))
    for (visibility, caller), outcomes in MATRIX.items()
    for action, outcome in zip(ACTIONS, outcomes)
]


@dataclass
class Callers:
    tokens: dict[str, str | None]  # caller -> token (None: anonymous)
    marker: str  # in the name of every script this module creates

    def token(self, caller: str) -> str | None:
        return self.tokens[caller]


@pytest.fixture(scope="module")
def callers(server: RunningServer) -> Callers:
    tokens: dict[str, str | None] = {
        role: server.token(person["user"], teams=person["teams"], admin=person.get("admin", False))
        for role, person in PEOPLE.items()
    }
    tokens["anonymous"] = None
    tokens["bad-token"] = "sst_" + uuid.uuid4().hex  # well-formed, never issued
    return Callers(tokens=tokens, marker=uuid.uuid4().hex[:10])


def new_script(server: RunningServer, callers: Callers, visibility: str) -> dict:
    response = server.request("POST", "/scripts", token=callers.token("creator"), json={
        "name": f"vis-{callers.marker}-{visibility}-{uuid.uuid4().hex[:8]}",
        "language": "bash", "content": "echo ok\n", "visibility": visibility,
    })
    assert response.status_code == 201, response.text
    return json_of(response)


@pytest.fixture(scope="module")
def shared_scripts(server: RunningServer, callers: Callers) -> dict[str, dict]:
    """One script per visibility for the cases that change nothing."""
    return {visibility: new_script(server, callers, visibility) for visibility in ("private", "team", "organization", "public")}


def assert_refused(response: requests.Response, status: int) -> None:
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text[:500]}"
    assert response.headers["Content-Type"].startswith("application/json"), response.text[:200]
    assert json_of(response)["status"] == status
    if status == 401:
        assert "WWW-Authenticate" in response.headers


@pytest.mark.parametrize("visibility, caller, action, outcome", CASES)
def test_visibility_matrix(server, callers, shared_scripts, visibility, caller, action, outcome):
    token = callers.token(caller)
    creator = callers.token("creator")

    if action == "read":
        script = shared_scripts[visibility]
        response = server.request("GET", f"/scripts/{script['id']}", token=token)
        if outcome == ALLOW:
            assert response.status_code == 200, response.text
            body = json_of(response)
            assert (body["id"], body["content"], body["visibility"]) == (script["id"], "echo ok\n", visibility)
            versions = server.request("GET", f"/scripts/{script['id']}/versions/1.0.0", token=token)
            assert versions.status_code == 200, versions.text
        else:
            assert_refused(response, outcome)
            assert_refused(server.request("GET", f"/scripts/{script['id']}/versions", token=token), outcome)
            assert_refused(server.request("GET", f"/scripts/{script['id']}/versions/1.0.0", token=token), outcome)

    elif action == "list":
        script = shared_scripts[visibility]
        response = server.request("GET", "/scripts", token=token, params={"q": script["name"]})
        if outcome == LOGIN:
            assert_refused(response, LOGIN)
            return
        assert response.status_code == 200, response.text
        body = json_of(response)
        listed = [item["id"] for item in body["items"]]
        if outcome == ALLOW:
            assert listed == [script["id"]] and body["total"] == 1
        else:
            assert listed == [] and body["total"] == 0
        # The visibility filter must not widen what the caller sees.
        filtered = json_of(server.request("GET", "/scripts", token=token,
                                          params={"q": script["name"], "visibility": visibility}))
        assert [item["id"] for item in filtered["items"]] == listed

    elif action == "execute":
        script = shared_scripts[visibility]
        response = server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=token, json={})
        if outcome == ALLOW:
            assert response.status_code == 200, response.text
            record = json_of(response)
            assert (record["status"], record["exit_code"], record["stdout"]) == ("Succeeded", 0, "ok\n"), record
            assert record["requested_by"] == (PEOPLE[caller]["user"] if caller in PEOPLE else "anonymous")
            # Whoever ran it can read the record back.
            again = server.request("GET", f"/scripts/executions/{record['id']}", token=token)
            assert again.status_code == 200 and json_of(again)["id"] == record["id"], again.text
        else:
            assert_refused(response, outcome)

    elif action == "update":
        script = new_script(server, callers, visibility)
        response = server.request("PUT", f"/scripts/{script['id']}", token=token,
                                  json={"content": "echo changed\n", "description": "changed"})
        after = json_of(server.request("GET", f"/scripts/{script['id']}", token=creator))
        if outcome == ALLOW:
            assert response.status_code == 200, response.text
            body = json_of(response)
            assert (body["version"], body["content"]) == ("1.0.1", "echo changed\n")
            assert body["updated_by"] == PEOPLE[caller]["user"]
            assert (after["version"], after["description"]) == ("1.0.1", "changed")
        else:
            assert_refused(response, outcome)
            assert (after["version"], after["content"], after["description"]) == ("1.0.0", "echo ok\n", "")

    elif action == "delete":
        script = new_script(server, callers, visibility)
        response = server.request("DELETE", f"/scripts/{script['id']}", token=token)
        after = server.request("GET", f"/scripts/{script['id']}", token=creator)
        if outcome == ALLOW:
            assert response.status_code == 204, response.text
            assert after.status_code == 404, after.text
        else:
            assert_refused(response, outcome)
            assert after.status_code == 200, after.text

    else:  # pragma: no cover - the table names only the actions above
        raise AssertionError(action)


def test_the_matrix_covers_every_visibility_and_caller():
    visibilities = {"private", "team", "organization", "public"}
    roles = {*PEOPLE, "anonymous", "bad-token"}
    assert set(MATRIX) == {(v, r) for v in visibilities for r in roles}
    assert len(CASES) == len(visibilities) * len(roles) * len(ACTIONS)


@pytest.mark.parametrize("caller, status", [("anonymous", 401), ("bad-token", 401)])
def test_creating_needs_a_valid_token(server, callers, caller, status):
    name = f"vis-{callers.marker}-create-{caller}"
    response = server.request("POST", "/scripts", token=callers.token(caller),
                              json={"name": name, "language": "bash", "content": "echo ok\n", "visibility": "public"})
    assert_refused(response, status)
    listed = json_of(server.request("GET", "/scripts", token=callers.token("admin"), params={"q": name}))
    assert listed["total"] == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_anonymous_writes_to_unknown_scripts_ask_for_a_token(server, method):
    # Authentication comes first: the answer does not depend on whether the script exists.
    response = server.request(method, f"/scripts/{uuid.uuid4()}", json={"description": "x"} if method == "PUT" else None)
    assert_refused(response, 401)


def test_the_creator_keeps_access_whatever_teams_a_later_token_carries(server, callers):
    script = new_script(server, callers, "team")
    later_creator = server.token(PEOPLE["creator"]["user"], teams=("vis-elsewhere",))
    assert server.request("GET", f"/scripts/{script['id']}", token=later_creator).status_code == 200
    updated = server.request("PUT", f"/scripts/{script['id']}", token=later_creator, json={"description": "mine"})
    assert updated.status_code == 200, updated.text


def test_admin_changes_and_deletes_other_peoples_private_scripts(server, callers):
    admin = callers.token("admin")
    script = new_script(server, callers, "private")
    updated = server.request("PUT", f"/scripts/{script['id']}", token=admin, json={"visibility": "team"})
    assert updated.status_code == 200, updated.text
    body = json_of(updated)
    assert (body["visibility"], body["version"], body["updated_by"], body["created_by"]) == ("team", "1.0.1", "vis-admin", "vis-creator")
    assert server.request("GET", f"/scripts/{script['id']}", token=callers.token("teammate")).status_code == 200
    assert server.request("DELETE", f"/scripts/{script['id']}", token=admin).status_code == 204
    assert_refused(server.request("GET", f"/scripts/{script['id']}", token=callers.token("creator")), 404)
