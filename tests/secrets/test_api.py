"""/secrets through a real server: metadata only, never a value; who may use,
change and delete which secret; bad bodies are 400s naming each field."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest

from tests.secrets.conftest import create_secret, dumps, stored_bytes, tokens_for, unique_value
from tests.servers import json_of

OK, HIDDEN, DENIED, LOGIN = 200, 404, 403, 401
ACTIONS = ("list", "get", "use", "replace", "delete")
CALLERS = ("owner", "teammate", "outsider", "admin", "anonymous")

# fmt: off
MATRIX = {
    # visibility,    caller:        list    get     use     replace  delete
    ("private",      "owner"):     (OK,     OK,     OK,     OK,      OK),
    ("private",      "teammate"):  (HIDDEN, HIDDEN, HIDDEN, HIDDEN,  HIDDEN),
    ("private",      "outsider"):  (HIDDEN, HIDDEN, HIDDEN, HIDDEN,  HIDDEN),
    ("private",      "admin"):     (OK,     OK,     OK,     OK,      OK),
    ("private",      "anonymous"): (LOGIN,  LOGIN,  LOGIN,  LOGIN,   LOGIN),
    ("team",         "owner"):     (OK,     OK,     OK,     OK,      OK),
    ("team",         "teammate"):  (OK,     OK,     OK,     DENIED,  DENIED),
    ("team",         "outsider"):  (HIDDEN, HIDDEN, HIDDEN, HIDDEN,  HIDDEN),
    ("team",         "admin"):     (OK,     OK,     OK,     OK,      OK),
    ("team",         "anonymous"): (LOGIN,  LOGIN,  LOGIN,  LOGIN,   LOGIN),
    ("organization", "owner"):     (OK,     OK,     OK,     OK,      OK),
    ("organization", "teammate"):  (OK,     OK,     OK,     DENIED,  DENIED),
    ("organization", "outsider"):  (OK,     OK,     OK,     DENIED,  DENIED),
    ("organization", "admin"):     (OK,     OK,     OK,     OK,      OK),
    ("organization", "anonymous"): (LOGIN,  LOGIN,  LOGIN,  LOGIN,   LOGIN),
}
# fmt: on

# A public script that prints a digest of the secret's file: who may use the
# secret gets the digest; nobody gets the value.
DIGEST_SCRIPT = 'sha256sum < /run/secrets/"$SECRET_NAME" | cut -c1-64\n'


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(request) -> tuple:
    """A server (on each database), its callers' tokens and a public script printing a secret's digest."""
    server = request.getfixturevalue("secret_server" if request.param == "sqlite" else "postgres_secret_server")
    tokens = request.getfixturevalue("tokens") if request.param == "sqlite" else tokens_for(server)
    response = server.request("POST", "/scripts", token=tokens["owner"], json={
        "name": f"sec-digest-{uuid.uuid4().hex[:6]}", "language": "bash", "content": DIGEST_SCRIPT, "visibility": "public"})
    assert response.status_code == 201, response.text
    return server, tokens, json_of(response)


def _act(server, token, action, secret, script) -> tuple[int, str]:
    """One action on ``secret`` as the token's caller: (status, every byte answered)."""
    reference = secret["reference"].replace("/", "%2F")
    if action == "list":
        response = server.request("GET", "/secrets", token=token)
        if response.status_code != 200:
            return response.status_code, response.text
        listed = any(item["reference"] == secret["reference"] for item in response.json()["items"])
        return (OK if listed else HIDDEN), response.text
    if action == "get":
        response = server.request("GET", f"/secrets/{reference}", token=token)
    elif action == "use":
        response = server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=token, json={
            "environment": {"SECRET_NAME": secret["name"]}, "secrets": {"THE_SECRET": secret["reference"]}})
        if response.status_code == 400 and "no secret" in response.text:
            return HIDDEN, response.text  # refused before anything ran: the same answer as for a secret that does not exist
    elif action == "replace":
        response = server.request("PUT", f"/secrets/{reference}", token=token, json={"value": unique_value("replaced")})
    else:
        response = server.request("DELETE", f"/secrets/{reference}", token=token)
    status = 200 if response.status_code in (201, 204) else response.status_code
    return status, response.text


@pytest.mark.parametrize("visibility", ["private", "team", "organization"])
@pytest.mark.parametrize("caller", CALLERS)
def test_visibility_matrix_with_no_leaks(store, visibility, caller):
    secret_server, tokens, public_script = store
    values = []
    for action, expected in zip(ACTIONS, MATRIX[(visibility, caller)]):
        value = unique_value(f"{visibility}-{caller}-{action}")
        values.append(value)
        name = f"m-{visibility}-{uuid.uuid4().hex[:8]}"
        secret = create_secret(secret_server, tokens["owner"], name, value, visibility=visibility,
                               **({"team": "sec-red"} if visibility == "team" else {}))
        status, answer = _act(secret_server, tokens[caller], action, secret, public_script)
        assert status == expected, f"{visibility} {caller} {action}: {status} {answer[:300]}"
        assert value not in answer
        if action == "use" and expected == OK:
            record = json_of(secret_server.request("GET", f"/scripts/executions/{json.loads(answer)['id']}", token=tokens[caller]))
            assert record["status"] == "Succeeded", record
            assert record["stdout"].strip() == hashlib.sha256(value.encode()).hexdigest()
            assert record["secrets"] == [{"name": name, "owner": "sec-owner", "version": 1, "env": "THE_SECRET"}]
    log = secret_server.log_path.read_text(errors="replace")
    assert not [value for value in values if value in log]


def test_create_get_replace_delete_and_values_stay_out_of_answers_disk_and_log(secret_server, tokens):
    owner = tokens["owner"]
    first, second = unique_value("first"), unique_value("second")
    created = create_secret(secret_server, owner, "crud-db", first, description="the reporting database")
    assert created["version"] == 1 and created["reference"] == "sec-owner/crud-db" and created["visibility"] == "private"
    assert "value" not in created
    answers = [dumps(created)]
    for method, path, body in (("GET", "/secrets", None), ("GET", "/secrets/crud-db", None),
                               ("PUT", "/secrets/crud-db", {"value": second}), ("GET", "/secrets/sec-owner%2Fcrud-db", None)):
        response = secret_server.request(method, path, token=owner, json=body)
        assert response.status_code == 200, response.text
        answers.append(response.text)
    assert json_of(secret_server.request("GET", "/secrets/crud-db", token=owner))["version"] == 2
    again = secret_server.request("POST", "/secrets", token=owner, json={"name": "crud-db", "value": "x"})
    assert again.status_code == 409
    everything = "\n".join(answers) + again.text
    on_disk = stored_bytes(secret_server.data_dir)
    for value in (first, second):
        assert value not in everything
        assert value.encode() not in on_disk
    assert secret_server.request("DELETE", "/secrets/crud-db", token=owner).status_code == 204
    assert secret_server.request("GET", "/secrets/crud-db", token=owner).status_code == 404
    log = secret_server.log_path.read_text(errors="replace")
    assert first not in log and second not in log


@pytest.mark.parametrize("body, fields", [
    ({"name": "-bad", "value": "v"}, {"name"}),
    ({"name": "a" * 101, "value": "v"}, {"name"}),
    ({"name": "has/slash", "value": "v"}, {"name"}),
    ({"name": "ok", "value": ""}, {"value"}),
    ({"name": "ok"}, {"value"}),
    ({"name": "ok", "value": "v", "visibility": "public"}, {"visibility"}),
    ({"name": "ok", "value": "v", "unknown": 1}, {"unknown"}),
    ({"name": "ok", "value": "v", "visibility": "team", "team": "not-mine"}, {"team"}),
    ({"name": "ok", "value": "v", "team": "sec-red"}, {"team"}),
])
def test_bad_bodies_are_400s_naming_the_field(secret_server, tokens, body, fields):
    response = secret_server.request("POST", "/secrets", token=tokens["owner"], json=body)
    assert response.status_code == 400, response.text
    assert {error["field"] for error in json_of(response)["errors"]} == fields


def test_a_run_asking_for_a_secret_badly_is_a_400_and_runs_nothing(secret_server, tokens):
    body = {"language": "bash", "content": "echo hi\n"}
    cases = [({"secrets": {"1BAD": "x"}}, "secrets.1BAD"), ({"secrets": {"OK": "-bad"}}, "secrets.OK"),
             ({"secrets": {"OK": "nope-" + uuid.uuid4().hex[:6]}}, "secrets.OK"),
             ({"secrets": {"A": "x"}, "environment": {"A": "1"}}, "body")]
    for extra, field in cases:
        response = secret_server.request("POST", "/scripts/executions", token=tokens["owner"], json={**body, **extra})
        assert response.status_code == 400, response.text
        assert field in {error["field"].replace(".[key]", "") for error in json_of(response)["errors"]}, response.text


def test_a_bare_name_prefers_your_own_and_names_the_owners_when_ambiguous(secret_server, tokens):
    name = f"shared-{uuid.uuid4().hex[:6]}"
    create_secret(secret_server, tokens["teammate"], name, unique_value("t"), visibility="organization")
    create_secret(secret_server, tokens["outsider"], name, unique_value("o"), visibility="organization")
    response = secret_server.request("GET", f"/secrets/{name}", token=tokens["owner"])
    assert response.status_code == 400 and "sec-teammate/" in response.text and "sec-outsider/" in response.text
    assert json_of(secret_server.request("GET", f"/secrets/{name}", token=tokens["outsider"]))["owner"] == "sec-outsider"
    assert json_of(secret_server.request("GET", f"/secrets/sec-teammate%2F{name}", token=tokens["owner"]))["owner"] == "sec-teammate"
