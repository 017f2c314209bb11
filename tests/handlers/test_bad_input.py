"""Bad input is a 4xx naming the problem, never a 500 or a dropped connection.

Each case here was a 500 (or an unanswered request, or a run accepted and then
failed) before issue 11. The server is a real ``stellascript serve`` with small
argument and environment caps and no warm pool.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.servers import API, RunningServer, json_of

CAPS = {"max_arguments": 3, "max_arguments_size": "1k", "max_environment_variables": 2, "max_environment_size": "100"}


@pytest.fixture(scope="module")
def caps_server(tmp_path_factory, runtime_images) -> Iterator[RunningServer]:
    server = RunningServer(tmp_path_factory.mktemp("bad-input"), settings={"pool_sizes": {}, **CAPS}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(caps_server: RunningServer) -> str:
    return caps_server.token("bad-input")


@pytest.fixture(scope="module")
def script_id(caps_server: RunningServer, token: str) -> str:
    created = caps_server.request("POST", "/scripts", token=token, json={"name": "s", "language": "bash", "content": "true\n"})
    assert created.status_code == 201, created.text
    return json_of(created)["id"]


def send(server: RunningServer, method: str, path: str, token: str | None, raw: str | bytes) -> requests.Response:
    """``raw`` as the body, byte for byte (json= would refuse what a careless client sends)."""
    return server.request(method, path, token=token, data=raw if isinstance(raw, bytes) else raw.encode(),
                          headers={"Content-Type": "application/json"})


def problems(response: requests.Response, status: int = 400) -> dict[str, str]:
    assert response.status_code == status, response.text
    return {error["field"]: error["message"] for error in json_of(response)["errors"]}


def bash(**fields) -> dict:
    return {"language": "bash", "content": "true\n", **fields}


# -- were 500s --------------------------------------------------------------------------


@pytest.mark.parametrize("language", [{}, [], 3, None], ids=["object", "list", "number", "null"])
def test_a_language_that_is_not_a_name_is_a_400(caps_server, token, language):
    for path, body in (("/scripts", {"name": "n", "language": language, "content": "true\n"}),
                       ("/scripts/executions", {"language": language, "content": "true\n"})):
        found = problems(caps_server.request("POST", path, token=token, json=body))
        assert set(found) == {"language"}
        assert found["language"].startswith("language must be one of "), found


def test_a_version_that_is_not_text_is_a_400(caps_server, token, script_id):
    for version in ('["1.0.0"]', '{"a": 1}', "99999999999999999999", "1e400"):
        found = problems(send(caps_server, "POST", f"/scripts/{script_id}/execute", token, f'{{"version": {version}}}'))
        assert set(found) == {"version"}, version


@pytest.mark.parametrize("depth", [33, 990, 100_000])
def test_a_deeply_nested_body_is_a_400(caps_server, token, depth):
    for opening, closing in (('{"a":', "}"), ("[", "]")):
        body = opening * depth + "1" + closing * depth
        wrapped = body if opening == '{"a":' else f'{{"name": {body}}}'
        for path in ("/scripts", "/scripts/executions"):
            found = problems(send(caps_server, "POST", path, token, wrapped))
            assert any("nested more than 32 levels" in message for message in found.values()), found


def test_a_body_at_the_nesting_limit_is_read(caps_server, token):
    nested: list = []
    for _ in range(30):
        nested = [nested]  # 31 lists: with the body, 32 levels
    accepted = caps_server.request("POST", "/scripts/executions", token=token, json=bash(ignored=nested))
    assert accepted.status_code == 202, accepted.text
    found = problems(caps_server.request("POST", "/scripts/executions", token=token, json=bash(ignored=[nested])))
    assert found == {"ignored" + "[0]" * 31: "the body is nested more than 32 levels deep"}


LONE = '"a\\ud800b"'  # JSON's escape for a lone surrogate: valid JSON, not valid Unicode


@pytest.mark.parametrize("field", ["name", "content", "description"])
def test_a_lone_surrogate_in_a_script_is_a_400_naming_the_field(caps_server, token, script_id, field):
    body = {"name": "n", "language": "bash", "content": "true\n", "description": "d"}
    raw = json.dumps({**body, field: "@"}).replace('"@"', LONE)
    assert problems(send(caps_server, "POST", "/scripts", token, raw)) == {
        field: "text must be valid Unicode: a lone surrogate ('\\ud800') at character 1"}
    raw = json.dumps({**body, field: "a\0"})
    assert problems(send(caps_server, "POST", "/scripts", token, raw)) == {
        field: "text must not contain NUL characters (one is at character 1)"}
    assert set(problems(send(caps_server, "PUT", f"/scripts/{script_id}", token, f'{{"{field}": {LONE}}}'))) == {field}


def test_a_lone_surrogate_anywhere_else_is_a_400_naming_the_field(caps_server, token):
    cases = [
        ("/scripts/executions", f'{{"language": "bash", "content": {LONE}}}', "content"),
        ("/scripts/executions", f'{{"language": "bash", "content": "true\\n", "arguments": {{"k": {LONE}}}}}', "arguments.k"),
        ("/scripts/executions", f'{{"language": "bash", "content": "true\\n", "environment": {{{LONE}: "v"}}}}', "environment"),
        ("/scripts", f'{{"name": "n", "language": "bash", "content": "true\\n", "tags": ["ok", {LONE}]}}', "tags[1]"),
        ("/format", f'{{"language": "python", "source": {LONE}}}', "source"),
    ]
    for path, raw, field in cases:
        assert field in problems(send(caps_server, "POST", path, token, raw)), (path, raw)


def log_since(server: RunningServer, offset: int) -> str:
    with open(server.log_path, "rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def test_refused_methods_and_unreadable_bodies_log_no_traceback(caps_server, token):
    offset = caps_server.log_path.stat().st_size
    for auth in (token, None):
        for method in ("DELETE", "PATCH", "PUT", "FOO"):
            for path in ("/health", "/scripts", "/scripts/executions", "/languages", "/openapi.json"):
                assert caps_server.request(method, path, token=auth).status_code == 405
        for raw in (b"{nope", b"\xff\xfe", b"[1]", b'"text"'):
            assert send(caps_server, "POST", "/scripts", auth, raw).status_code in (400, 401)
        form = caps_server.request("POST", "/scripts", token=auth, data=b"--x\r\ngarbage",
                                   headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert form.status_code == 400
    assert caps_server.request("GET", "/health").status_code == 200
    written = log_since(caps_server, offset)
    assert "405 DELETE" in written, "the requests were logged"
    assert "Traceback" not in written and "Uncaught exception" not in written, written[-3000:]


# -- heads too large: answered, not dropped -------------------------------------------


def raw_request(server: RunningServer, head: bytes) -> bytes:
    """Send ``head`` and read the answer to the end: no client library in between."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(head)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_an_oversized_header_is_431_and_an_oversized_url_is_414(caps_server, token):
    huge_auth = caps_server.request("GET", "/health", headers={"Authorization": "token " + "a" * 65536})
    assert huge_auth.status_code == 431, huge_auth.text
    assert "at most 65536" in json_of(huge_auth)["message"]
    long_url = caps_server.request("GET", "/health?pad=" + "a" * 100_000)
    assert long_url.status_code == 414, long_url.text
    # A body sent after a refused head is not read as the next request.
    answer = raw_request(caps_server, f"POST {API}/scripts?pad={'a' * 20_000} HTTP/1.1\r\nHost: x\r\n"
                                      f"Content-Length: 24\r\n\r\nGET /health HTTP/1.1\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 414 ") and answer.count(b"HTTP/1.1") == 1, answer[:300]
    # Heads within the limits are served as before.
    assert caps_server.request("GET", "/health?pad=" + "a" * 8000, headers={"X-Pad": "b" * 60_000}).status_code == 200
    assert caps_server.request("GET", "/scripts", token=token).status_code == 200


def test_jupyterlab_answers_oversized_heads_the_same(tmp_path, runtime_images):
    from tests.labextension.test_ui import RunningLab

    (tmp_path / "root").mkdir()
    lab = RunningLab(tmp_path / "root").start(tmp_path / "data")
    try:
        health = f"{lab.url}stellascript/api/v1/health"
        assert requests.get(health, headers={"Authorization": "token " + "a" * 65536}, timeout=30).status_code == 431
        assert requests.get(f"{health}?pad={'a' * 100_000}", timeout=30).status_code == 414
        assert requests.get(f"{lab.url}lab?pad={'a' * 100_000}", timeout=30).status_code == 414, "JupyterLab's own pages too"
        assert requests.get(health, params={"token": lab.token}, timeout=30).status_code == 200
    finally:
        lab.stop()


# -- accepted then failed: refused at submit ------------------------------------------


def test_names_and_values_are_checked_at_submit(caps_server, token, script_id):
    nul = "text must not contain NUL characters (one is at character 1)"
    cases = [
        ({"arguments": {"a": "x\0y"}}, "arguments.a", nul),
        ({"environment": {"A": "x\0y"}}, "environment.A", nul),
        ({"arguments": {"a\0": "x"}}, "arguments", "names must not contain NUL characters (one is at character 1)"),
        ({"environment": {"A=B": "x"}}, "environment", "environment variable name 'A=B' is not valid"),
        ({"environment": {"": "x"}}, "environment", "environment variable names must not be empty"),
        ({"arguments": {"": "x"}}, "arguments", "argument names must not be empty"),
        ({"environment": {"STELLASCRIPT_OUTPUT": "/tmp/x"}}, "environment",
         "environment variable 'STELLASCRIPT_OUTPUT' is reserved: names starting with STELLASCRIPT_ are set by Stella Script"),
    ]
    for fields, field, message in cases:
        assert problems(caps_server.request("POST", "/scripts/executions", token=token, json=bash(**fields))) == {field: message}
        assert problems(caps_server.request("POST", f"/scripts/{script_id}/execute", token=token, json=fields)) == {field: message}


def test_a_nul_in_a_path_id_is_a_404(caps_server, token, script_id):
    for path in ("/scripts/a%00b", "/scripts/a%00b/versions", f"/scripts/{script_id}/versions/1.0%000",
                 "/scripts/executions/a%00b", "/scripts/executions/a%00b/logs"):
        answer = caps_server.request("GET", path, token=token)
        assert answer.status_code == 404, (path, answer.text)
    assert caps_server.request("POST", "/scripts/executions/a%00b/cancel", token=token).status_code == 404


def test_arguments_and_environment_are_capped_by_the_server(caps_server, token, script_id):
    at_the_caps = {"arguments": {"a": "1", "b": "2", "c": "x" * 900}, "environment": {"A": "1", "B": "x" * 90}}
    for path, body in (("/scripts/executions", bash(**at_the_caps)), (f"/scripts/{script_id}/execute", at_the_caps)):
        accepted = caps_server.request("POST", path, token=token, json=body)
        assert accepted.status_code == 202, accepted.text
    over = {
        "arguments": ({"a": "1", "b": "2", "c": "3", "d": "4"},
                      "4 arguments are more than this server's maximum of 3 (c.StellaScript.max_arguments)"),
        "environment": ({"A": "1", "B": "2", "C": "3"},
                        "3 environment variables are more than this server's maximum of 2 (c.StellaScript.max_environment_variables)"),
    }
    for field, (values, message) in over.items():
        assert problems(caps_server.request("POST", "/scripts/executions", token=token, json=bash(**{field: values}))) == {field: message}
    too_big = {"arguments": {"a": "x" * 1024}, "environment": {"A": "x" * 100}}
    found = problems(caps_server.request("POST", f"/scripts/{script_id}/execute", token=token, json=too_big))
    assert found == {
        "arguments": "arguments of 1025 bytes in all (names and values) are more than this server's maximum of 1024 "
                     "(c.StellaScript.max_arguments_size)",
        "environment": "environment variables of 101 bytes in all (names and values) are more than this server's maximum of 100 "
                       "(c.StellaScript.max_environment_size)",
    }


def test_a_script_declares_a_bounded_number_of_dependencies(caps_server, token):
    body = {"name": "deps", "language": "bash", "content": "true\n"}
    many = [{"name": f"package{index}"} for index in range(201)]
    assert problems(caps_server.request("POST", "/scripts", token=token, json={**body, "dependencies": many})) == {
        "dependencies": "201 dependencies are more than the 200 a script may declare"}
    long_name = [{"name": "p" * 501}]
    assert problems(caps_server.request("POST", "/scripts", token=token, json={**body, "dependencies": long_name})) == {
        "dependencies[0]": "name: String should have at most 500 characters"}
    assert caps_server.request("POST", "/scripts", token=token, json={**body, "dependencies": many[:200]}).status_code == 201


def test_a_long_entry_point_is_refused_without_a_host_path(caps_server, token):
    entry_point = "a" * 301 + ".sh"
    message = "entry point is 304 bytes long; a file name has at most 200"
    assert problems(caps_server.request("POST", "/scripts/executions", token=token, json=bash(entry_point=entry_point))) == {
        "entry_point": message}
    assert problems(caps_server.request("POST", "/scripts", token=token, json={
        "name": "n", "language": "bash", "content": "true\n", "entry_point": entry_point})) == {"entry_point": message}
    assert "/" not in message and str(Path(caps_server.data_dir)) not in message


def test_null_in_an_update_keeps_the_value(caps_server, token):
    created = json_of(caps_server.request("POST", "/scripts", token=token, json={
        "name": "kept", "language": "bash", "content": "true\n", "description": "d", "tags": ["t"], "visibility": "public"}))
    nulls = {"name": None, "description": None, "tags": None, "visibility": None, "dependencies": None, "content": None}
    updated = caps_server.request("PUT", f"/scripts/{created['id']}", token=token, json=nulls)
    assert updated.status_code == 200, updated.text
    kept = {field: json_of(updated)[field] for field in ("name", "description", "tags", "visibility", "dependencies")}
    assert kept == {"name": "kept", "description": "d", "tags": ["t"], "visibility": "public", "dependencies": []}
    version = json_of(caps_server.request("GET", f"/scripts/{created['id']}/versions/1.0.1", token=token))
    assert version["tags"] == ["t"]
